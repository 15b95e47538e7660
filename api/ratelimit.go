package api

import (
	"container/list"
	"math"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/kefu-ai/kefu/errs"
)

// limiter keeps one token bucket per client, at most max of them; the
// least recently seen client is forgotten first (and starts again with a
// full bucket, which errs on the side of the client).
type limiter struct {
	rate  rate.Limit
	burst int
	max   int

	mu      sync.Mutex
	recent  *list.List // of *bucket, most recent first
	buckets map[string]*list.Element
}

type bucket struct {
	key string
	lim *rate.Limiter
}

func newLimiter(perSecond float64, burst, max int) *limiter {
	return &limiter{
		rate: rate.Limit(perSecond), burst: burst, max: max,
		recent: list.New(), buckets: make(map[string]*list.Element),
	}
}

// allow takes a token from key's bucket; when there is none it says how
// long until there will be.
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	var lim *rate.Limiter
	if e, ok := l.buckets[key]; ok {
		l.recent.MoveToFront(e)
		lim = e.Value.(*bucket).lim
	} else {
		lim = rate.NewLimiter(l.rate, l.burst)
		l.buckets[key] = l.recent.PushFront(&bucket{key: key, lim: lim})
		for l.recent.Len() > l.max {
			oldest := l.recent.Back()
			l.recent.Remove(oldest)
			delete(l.buckets, oldest.Value.(*bucket).key)
		}
	}
	l.mu.Unlock()
	if lim.AllowN(now, 1) {
		return true, 0
	}
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return false, time.Second
	}
	wait := r.DelayFrom(now)
	r.CancelAt(now)
	return false, wait
}

// unlimitedRoutes serve probes and scrapers, which share an address.
var unlimitedRoutes = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

// rateLimit answers 429 with Retry-After to a client over its rate.
func (s *Server) rateLimit(c *gin.Context) {
	if s.limiter == nil || unlimitedRoutes[c.FullPath()] {
		c.Next()
		return
	}
	ok, wait := s.limiter.allow(clientKey(c.ClientIP()), time.Now())
	if !ok {
		secs := int(math.Ceil(wait.Seconds()))
		if secs < 1 {
			secs = 1
		}
		c.Header("Retry-After", strconv.Itoa(secs))
		s.writeError(c, errs.E(errs.RateLimited, "Too many requests; please retry in %d seconds.", secs))
		return
	}
	c.Next()
}

// clientKey groups IPv6 clients by /64 (one subscriber's network), since
// each can use any address inside it.
func clientKey(ip string) string {
	p := net.ParseIP(ip)
	if p == nil {
		return "unknown"
	}
	if p.To4() != nil {
		return p.String()
	}
	return p.Mask(net.CIDRMask(64, 128)).String() + "/64"
}
