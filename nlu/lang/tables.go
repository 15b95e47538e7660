package lang

// The two lists below hold characters that are distinctly one script.
//
// They were derived once, offline, from OpenCC's STCharacters and
// TSCharacters tables (Apache-2.0) with its Taiwan and Hong Kong variants:
// a Simplified character qualifies only if Traditional text never uses it
// (so 后 and 里, which are also Traditional as in 皇后 and 公里, are left
// out, and so are 群, 床, 峰, 秘, which Taiwan writes the same way, and 户,
// 温, 脱, 兑, which Hong Kong does); a Traditional character qualifies only
// if Simplified text never uses it (so 乾, 於, 著, 覆 are left out). Each
// side keeps its ~400 most frequent characters by the jieba dictionary's
// counts, plus the customer-service vocabulary kefu sees (订单, 退货, 运费,
// 账号 …). TestTables checks that no character is on both lists and that
// every entry is a Han character.

// simplifiedOnly lists 426 characters used in Simplified but not Traditional
// Chinese.
const simplifiedOnly = "" +
	"国为这个来会时学说们发对长过业经门动进区开产军还现机体与当两实么关从内没将员东头" +
	"间无见战点场数样问并级应资务气汉总电声设义统处马儿领队计别权话报给变书华议称决张" +
	"导术结师达题条规县风运组听济论强黄选记却职号类传带农边联质阳难历专认车举线团备争" +
	"众连调转该尔让较际亲单红约亚则属积图装许参观鱼办复远构随势热网语铁断爱纪况证编满" +
	"觉双乐标织项飞节龙响药轻击请离显罗营视护创兴虽费试宝识维宫环乡责严桥仅杀围态杨负" +
	"层须续状银终钱赛独细冲获习医尽脸弹楼艺陆协镇检写苏验紧劳优财养陈卫伤绝阶刘刚亿闻" +
	"审压监敌兰园树词岛预继执谁惊画辑剑谈礼乱讲临挥欧简担岁荆贵辖帮块额错剧欢够孙阵销" +
	"坚练脚读测吴宁换异顾顺鲜败货矿归买险评吗遗笔输渐顶训录毕献爷纳钟脑饭扩齐赶诉诗础" +
	"届静盘卖湾减灵杂泽侧庆妈馆补旧轮妇载怀软枪墙恶顿稳诸绿荣针宽库罢谢页拥圣戏奖币圆" +
	"烧讨烟误疗闭寻岗丽横驻纸夺灯坏丝径购阴择宪鲁庙舰课奥虚隐粮络摇潜庄码损频签订闪储" +
	"询键递锅颜烦邮偿链骗仓猫赔账韵裤厨赠绑诈驳驿袜涤呗阅"

// traditionalOnly lists 445 characters used in Traditional but not
// Simplified Chinese (OpenCC, Taiwan and Hong Kong forms: both 爲 and 為).
const traditionalOnly = "" +
	"國爲為這個來會時學說説們後發對長過業裡裏經門動進區開產軍還種現機體與當兩實麼關從" +
	"內沒將員東頭間無見戰點場數樣問並萬級應資務氣漢總電聲設義統處馬兒領隊計別權話報給" +
	"變書幾華議稱決張導術結師達題條規縣風運組聽濟黨論強黃選記卻職號類傳帶幹農邊據聯廣" +
	"質陽難歷專認車臺遊舉線團備爭眾衆連調轉該爾讓較際親單紅價約亞則屬積圖準極裝許參喫" +
	"觀魚辦復遠羣構隨劃勢熱網語鐵斷愛紀況證編滿覺雙樂標確織項飛節龍響藥輕擊請離顯羅營" +
	"視護創餘興佔雖費試寶識維採宮環鬥鄉責嚴橋僅勝殺圍態楊負層須續狀銀範終錢賽獨細衝獲" +
	"習醫盡臉彈樓藝陸協鎮檢寫蘇驗緊勞戶優財養適陳衛衞雲傷絕階劉剛億聞審壓監敵蘭溫園樹" +
	"詞島預繼執誰驚畫輯劍談禮願築亂講臨揮歐葉簡擔歲荊貴轄幫塊額錯劇歡夠孫陣銷堅練腳讀" +
	"測吳寧換異顧順鮮敗貨礦歸買險評嗎廠遺筆輸漸頂訓錄畢豐獻爺納鍾腦飯擴齊趕訴詩礎屆靜" +
	"盤賣灣減祕靈雜澤側慶媽館補舊輪婦載懷軟槍牆惡頓穩諸綠榮針託寬庫罷謝頁擁聖戲獎巖幣" +
	"圓誤閉壞購隱碼損頻訂閃儲詢鍵遞鍋顏煩郵償鏈騙倉貓兌賠賬韻櫃褲廚贈繫綁詐駁驛襪滌註" +
	"唄簽閱麵麪"
