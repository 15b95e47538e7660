package api

import "regexp"

var (
	maskOrder = regexp.MustCompile(`(?i)DD\d{11}`)
	maskEmail = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+`)
	// Mainland mobiles, with an optional +86/86 prefix and 3-4-4 separators.
	maskPhone = regexp.MustCompile(`(?:\+?86[ \-]?)?1[3-9]\d[ \-]?\d{4}[ \-]?\d{4}`)
)

// Mask hides personal data in s before it is logged: order ids become
// DD***********, e-mail addresses [email] and mainland mobile numbers
// [phone]. It errs on the side of masking (a phone-like run inside a
// longer number is masked too).
func Mask(s string) string {
	s = maskOrder.ReplaceAllString(s, "DD***********")
	s = maskEmail.ReplaceAllString(s, "[email]")
	return maskPhone.ReplaceAllString(s, "[phone]")
}
