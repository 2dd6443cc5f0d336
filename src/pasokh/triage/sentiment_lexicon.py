"""A hand-written sentiment lexicon (fa, Finglish, en) turned into extra model features.

The corpus is a few thousand messages; a lexicon of everyday service words (food, delivery,
courier, app, bank) lets the model generalise past the corpus vocabulary. Entries are in
the normalised (joined, folded) spelling; a negator after a Persian word or before an
English one flips its polarity («خوب نبود», "not good").
"""

from __future__ import annotations

from itertools import pairwise

from pasokh.triage.normalise import normalise

POSITIVE: frozenset[str] = frozenset(
    """
    عالی عالیه عالیست خوب خوبه خوبیه خوبن خیلیخوب خوشمزه خوشمزهه خوشمزست خوشمزهبود لذیذ تازه
    تازهه داغ داغداغ سریع سریعه زود بموقع سروقت بهموقع ممنون ممنونم ممنونیم مرسی متشکرم
    متشکریم سپاس سپاسگزارم تشکر دمتون دمت دمتونگرم ایول آفرین افرین بینظیر بینظیره فوقالعاده
    فوقالعادست محشر محشره معرکه عالیترین بهترین راضی راضیم راضییم رضایت عاشقتونم عاشقشم عاشق
    خوشم لذت کامل تمیز مرتب شیک خوشبرخورد مودب مهربون مهربان باکیفیت باحال قشنگ خوشگل زیبا
    ارزون ارزان بصرفه مقرونبهصرفه حرفهای دلچسب خوشطعم اصل سالم خوشبو خوشرنگ پرملات مفصل
    پیشنهادمیکنم توصیهمیکنم دلنشین صمیمی حرفنداشت خوشحال خوشحالم ممنونتونم قربونتون قربونت
    سپاسگزاریم یکی‌ازبهترینها درجهیک خداقوت دستتوندرد دستتدرد دستشوندرد گرم خوشپخت لطیف ترد
    آبدار حجیم کافی بینقص باسلیقه خوشسلیقه رضایتبخش راضیام مچکرم متشکر سپاسگذارم مثلهمیشه
    همیشهعالی عالیبود خوببود تازهبود گرمبود khoob khub khoobe khube aali aalie awli aliye
    aaali khoshmaze khoshmazeh mamnoon mamnun mersi merci afarin damet dametoon ghorbanet
    rahat razi perfect good great excellent amazing awesome love loved lovely perfect
    fantastic wonderful best delicious tasty fresh hot fast quick quickly friendly helpful
    polite nice thanks thank thx appreciate appreciated happy glad pleased recommend
    brilliant superb smooth easy clean beautiful gorgeous impressed outstanding
    چسبید میچسبه میارزه ارزید ارزششوداشت بیستبود حلال نرم معطر برشته خوشقول خوشرنگ ذوق
    جاافتاده خونگی دلچسبه عالییی محشربود حرفنداره نوشجان پیشنهادمیشه ستاره راضیبودم
    راضیبودیم سورپرایز خوشحالشدم بهتره مناسب خوبی دستپخت دوستداشتم دوسداشتم عاشقش
    juicy crispy generous spotless worth
    جالب دلپذیر خوشایند ممتاز مطلوب قابلقبول راضیکننده تروتمیز داغوتازه گرموتازه خوشمزس
    خوشمزن خوشمزهترین مزهدار پرحجم سیرکننده بهصرفه تشکرمیکنم
    کیفیتعالی لذتبردم لذتبردیم چسبیدش دستمریزاد دمشگرم عاشقشدم مرغوب اعلا پاکیزه
    مشکلینداشت مشکلنداشت ایرادینداشت ایرادنداشت عیبینداشت مشکلینبود بیعیب بیمشکل
    """.split()  # noqa: SIM905 - a word list reads best as words
)

NEGATIVE: frozenset[str] = frozenset(
    """
    بد بده بدی بدترین بدتر افتضاح افتضاحه افتضاحترین داغون ضعیف ضعیفه بیکیفیت بیمزه شور سرد
    سردسرد یخ یخزده خمیر خام سوخته کثیف مونده بیات فاسد خراب خرابه خرابی دیر دیرکرد تاخیر
    دیررسید نرسید نرسیده نرسیدهه نیومد نیامد نیومده نیومدهه ناقص ناراضی ناراضیم متاسفانه
    متاسف اشتباه اشتباهی گرون گرونه گرونتر گران بیادب بیاحترامی بیاحترام بدبرخورد بداخلاق
    زشت نامرتب پاره شکسته شکست کج ریخته ریختهبود کلاهبرداری کلاهبردار دزد دزدی اشغال آشغال
    مزخرف مسخره مسخرس مسخرست حیف ضایع فاجعه وحشتناک تلخ چرب کهنه عوضی معطل معطلی ضرر پشیمون
    پشیمونم پشیمان بیمسئولیت بیمسئولیتی بیشعور بیشعوری شرمآور مسموم مسمومیت حالمبد لغو کنسل
    گند گندش ترش مزخرفه بوگندو بومیداد بومیده نپخته کوچک کوچیک نصف خشک شل آبکی بینمک دیرتر
    لهشده خساست کمفروشی گرانفروشی بدمزه بدطعم بدبو نامناسب نیاورده نیاوردن نفرستادن نفرستاده
    فراموش جاافتاده کسری سوسک کیفیتپایین سفت کم کمه کمبود بیخیال گولزدن دروغ دروغگو پرمدعا
    غیرحرفهای اعصاب اعصابخوردی بیکیفیتترین هیچوقت دیگهنمیخرم دیگهسفارشنمیدم قطع قطعه هک
    مسدود badi kharab kharabe sard dir zaye zaaye afzah eftezah eftezahe dagoon bad worst
    terrible awful horrible disgusting cold late rude wrong broken missing never
    disappointed disappointing poor useless waste scam fraud stolen hacked blocked delayed
    cancelled canceled refund charged overcharged annoyed angry furious frustrated
    frustrating ridiculous unacceptable slow stale soggy raw burnt dirty spoiled sick
    crashed crashes crashing error fail failed failing unable cannot sucks pathetic
    شفته پژمرده لاستیکی ناامید ناامیدکننده خمیری افت تقلبی جوشی آبکی بیات لهشده له
    ولرم کمفروش گرونفروش بیکیفیته بدمزگی سوختگی تلخ ترشیده بیمزگی افتضاحبود حیفپول
    پولدورریختن پشیمونشدم نخوردیم نخوردم نمیخرم نمیدم زشته بیسلیقه بدقول بدقولی
    soggy bland greasy lukewarm undercooked overpriced mediocre
    بدک معمولی نامرغوب بیکیفیتی کپک کپکزده تاریخگذشته منقضی فاسدشده غیربهداشتی حالبهمزن
    چندش چندشآور دورریختم دورریختیم ناکافی وارفته بادکرده پرچرب ناراحت ناراحتم عصبانی
    شاکی گلایه نارضایتی پسدادم کثیفی بینظم بینظمی سردشده یخکرده بیارزش نمیارزه
    نمیارزید ارزشنداشت پیشنهادنمیکنم توصیهنمیکنم خوشمنیومد خوشماننیامد دوستنداشتم
    غیرقابل لذتنبردم لذتنبردیم لذتنبرد دلسرد دلسردشدم خجالتآور خجالتاور تنزل بدترشده
    بدترمیشه نامطلوب
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# A Persian negator follows the word it negates; an English one precedes it.
FA_NEGATORS: frozenset[str] = frozenset(
    """
    نبود نیست نبودن نبودند نبوده نشد نشده نداشت نداره نداشتن نداشتند ندارید نیومد نکرد نکردن
    نمیشه نمیکنم نمیدم نمیکنه نبودش نیستش نیس nabood nabud nist nashod nadasht
    نبودم نبودیم نیستم نیستیم نشدم نشدیم نداشتم نداشتیم نمیشد نکرده
    نذاشته نذاشتن نذاشتند نذاشتین نذاشتید نزاشته نزاشتن نریخته نریختن نفرستادند نفرستادین
    نیاوردند نیاوردین نیوردن ندیدم نخوندن نخوندین نخوندید
    """.split()  # noqa: SIM905 - a word list reads best as words
)
EN_NEGATORS: frozenset[str] = frozenset(
    """
    not no never t dont didnt doesnt isnt wasnt wasn isn didn doesn aren arent nothing
    hardly
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# «یکم شور بود», «فقط نونش خشک بود»: a softened gripe, typical of praise with a small
# reservation; «خیلی خوب», «واقعا افتضاح»: an intensified opinion; «در کل عالی بود»:
# the overall verdict, which outweighs the details around it.
SOFTENERS: frozenset[str] = frozenset(
    """
    یکم یکمی کمی یهکم یهذره یکذره یهکوچولو یکخورده یهخورده یخورده یهمقدار یکمقدار فقط کاش
    ایکاش یکخرده اندکی bit little slightly only just kinda
    """.split()  # noqa: SIM905 - a word list reads best as words
)
INTENSIFIERS: frozenset[str] = frozenset(
    """
    خیلی خیلیخیلی بسیار واقعا کاملا فوقالعاده شدیدا اصلا بینهایت very really so super
    totally extremely absolutely
    """.split()  # noqa: SIM905 - a word list reads best as words
)
OVERALL: frozenset[str] = frozenset(
    """
    درکل درمجموع کلا رویهمرفته درنهایت بطورکلی بهطورکلی overall
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# A scale word says nothing alone: «پایین» is bad for quality and good for a price. Read
# after an aspect noun in the same clause («کیفیت غذا فوق العاده پایین بود», «قیمت بالا»),
# it is the verdict, whatever polar-looking words («فوق العاده», «با کیفیت») stand between.
QUALITY_ASPECTS: frozenset[str] = frozenset(
    """
    کیفیت کیفیتش کیفیتشون کیفیته کیفیتها طعم طعمش مزه مزش مزهش حجم حجمش مقدار مقدارش
    سرعت سرعتش quality portion portions
    """.split()  # noqa: SIM905 - a word list reads best as words
)
PRICE_ASPECTS: frozenset[str] = frozenset(
    """
    قیمت قیمتش قیمتها قیمتشون قیمتا هزینه هزینش هزینهاش هزینهها مبلغ نرخ کرایه price prices
    """.split()  # noqa: SIM905 - a word list reads best as words
)
SCALE_LOW: frozenset[str] = frozenset(
    """
    پایین پایینه پایینتر پایینی کم کمه کمتر افت افتکرده نازل low lower
    """.split()  # noqa: SIM905 - a word list reads best as words
)
SCALE_HIGH: frozenset[str] = frozenset(
    """
    بالا بالاست بالاتر بالاس زیاد زیاده زیادی نجومی high higher
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# «دفعه قبل عالی بود», «قبلا خیلی بهتر بود»: praise of an earlier order is a complaint about
# this one (and a gripe about the past, praise of the present). «مثل قبل» is not a contrast.
PAST_MARKERS: frozenset[str] = frozenset(
    """
    قبلا قبلن قبلنا سابقا سابق دفعهقبل دفعهیقبل سریقبل سریهایقبل دفعاتقبل دفعههایقبل
    دفعهپیش سریپیش دفعهیپیش گذشته قبلیها نسبتبهقبل
    """.split()  # noqa: SIM905 - a word list reads best as words
)
# «… الان خوب شده», «این بار سرد بود»: the clause is about this time again. (The past,
# now and «مثل» words are Persian only: English has no past markers here yet.)
NOW_MARKERS: frozenset[str] = frozenset({"الان", "الآن", "اینبار", "ایندفعه", "اینسری", "امروز"})
SAME_AS: frozenset[str] = frozenset({"مثل", "عین", "مانند", "همانند"})
# comparatives that are praise only when said of the past («قبلا بهتر بود»); alone they
# are usually a suggestion («بهتر بود سس هم میذاشتید»)
PAST_PRAISE: frozenset[str] = frozenset({"بهتر", "بهتربود", "خوشمزهتر", "بیشتر"})

_WINDOW = 3
_ASPECT_WINDOW = 4


def _key(entry: str) -> str:
    # entries are matched in the normalised, joined spelling whatever way they were typed
    return "".join(normalise(entry).split())


QUALITY_ASPECTS = frozenset(_key(w) for w in QUALITY_ASPECTS)
PRICE_ASPECTS = frozenset(_key(w) for w in PRICE_ASPECTS)
SCALE_LOW = frozenset(_key(w) for w in SCALE_LOW)
SCALE_HIGH = frozenset(_key(w) for w in SCALE_HIGH)
PAST_MARKERS = frozenset(_key(w) for w in PAST_MARKERS)
NOW_MARKERS = frozenset(_key(w) for w in NOW_MARKERS)
PAST_PRAISE = frozenset(_key(w) for w in PAST_PRAISE)
_ASPECTS = QUALITY_ASPECTS | PRICE_ASPECTS
POSITIVE = frozenset(_key(w) for w in POSITIVE)
NEGATIVE = frozenset(_key(w) for w in NEGATIVE) - POSITIVE
FA_NEGATORS = frozenset(_key(w) for w in FA_NEGATORS)
SOFTENERS = frozenset(_key(w) for w in SOFTENERS)
INTENSIFIERS = frozenset(_key(w) for w in INTENSIFIERS)
OVERALL = frozenset(_key(w) for w in OVERALL)
_POLAR = POSITIVE | NEGATIVE
# every prefix of a polar entry: a token that is none of these cannot start a match
_STARTS = frozenset(
    w[:n] for w in _POLAR | FA_NEGATORS | PAST_PRAISE for n in range(1, len(w) + 1)
) | _ASPECTS | {"با"}
# every prefix of a past marker: a message with none of these has no praise of the past
_PAST_STARTS = frozenset(w[:n] for w in PAST_MARKERS for n in range(1, len(w) + 1))


_CLAUSE_END = frozenset({"بود", "بودن", "است", "هست", "ولی", "اما", "و", "،", ",", ".", "!", "؟"})


def _negators_after(tokens: list[str], start: int) -> list[int]:
    # negators within the window, up to the next polar word: in «خوشمزه حرف نداشت» the
    # نداشت belongs to «حرف نداشت» (itself praise), not to خوشمزه
    out = []
    for j in range(start, min(len(tokens), start + _WINDOW)):
        if tokens[j] in _CLAUSE_END:
            break  # «غذا خوب بود نوشابه نبود»: the نبود is about the drink
        if tokens[j] in _POLAR or (j + 1 < len(tokens) and tokens[j] + tokens[j + 1] in _POLAR):
            break
        if tokens[j] in FA_NEGATORS:
            out.append(j)
    return out


def _modifier(tokens: list[str], i: int, words: frozenset[str]) -> bool:
    # a modifier up to two tokens before position i, alone or joined with its neighbour
    # («یه کم» → یهکم, «در کل» → درکل)
    lo = max(0, i - 3)
    before = tokens[lo:i]
    if any(t in words for t in before[-2:]):
        return True
    return any(a + b in words for a, b in pairwise(before))


def _scale_verdict(tokens: list[str], i: int) -> tuple[str, int] | None:
    # («با») aspect noun … scale word, in one clause: the polarity and the scale word's index
    start = i + 1 if tokens[i] == "با" else i
    if start >= len(tokens) or tokens[start] not in _ASPECTS:
        return None
    for j in range(start + 1, min(len(tokens), start + 1 + _ASPECT_WINDOW)):
        t = tokens[j]
        if t in _CLAUSE_END:
            return None
        low, high = t in SCALE_LOW, t in SCALE_HIGH
        if low or high:
            good = high if tokens[start] in QUALITY_ASPECTS else low
            return ("pos" if good else "neg"), j
    return None


def _after_past(tokens: list[str], i: int) -> bool:
    # a past marker earlier in the same clause, not introduced by «مثل» («مثل قبل عالی»)
    for j in range(i - 1, max(-1, i - 1 - _ASPECT_WINDOW), -1):
        t = tokens[j]
        pair = t + tokens[j + 1] if j + 1 < i else ""
        if t in _CLAUSE_END or t in NOW_MARKERS or pair in NOW_MARKERS:
            return False
        if t in PAST_MARKERS or pair in PAST_MARKERS:
            return not (j > 0 and tokens[j - 1] in SAME_AS)
    return False


def lexicon_features(tokens: list[str]) -> list[str]:
    """Return pseudo-features for polar words: §pos / §neg / §not_pos / §not_neg per hit, and
    one §bal:<n> for the balance of positive minus negative hits (clipped to ±3), so that a
    message with five praises and one gripe does not look like one with one of each.
    """
    out: list[str] = []
    if _STARTS.isdisjoint(tokens):
        return out
    n = len(tokens)
    past = not _PAST_STARTS.isdisjoint(tokens)  # most messages: skip the past look-back
    i = 0
    balance = 0
    used: set[int] = set()  # negators already spent on negating a polar word
    while i < n:
        if tokens[i] not in _STARTS:
            i += 1
            continue
        verdict = _scale_verdict(tokens, i)
        if verdict is not None:
            polarity, j = verdict
            out.append(f"§{polarity}")
            balance += 1 if polarity == "pos" else -1
            i = j + 1
            continue
        if past and tokens[i] in PAST_PRAISE and _after_past(tokens, i):
            out.append("§past_pos")  # «قبلا بهتر بود»: this time it was worse
            balance -= 1
            i += 1
            continue
        width = 1
        pair = tokens[i] + tokens[i + 1] if i + 1 < n else ""
        # entries written without a space also match two tokens («حرف نداشت» → حرفنداشت)
        word = pair if pair in _POLAR else tokens[i]
        width = 2 if word is pair else 1
        if i > 0 and tokens[i - 1] + tokens[i] in SOFTENERS:
            i += 1  # «یه کم»: the کم of a softener, not a complaint about quantity
            continue
        if word in INTENSIFIERS and i + width < n and tokens[i + width] in _POLAR | SCALE_LOW:
            i += width  # «فوق العاده پایین», «فوق العاده بد»: an intensifier, not praise
            continue
        if word in POSITIVE:
            polarity = "pos"
        elif word in NEGATIVE:
            polarity = "neg"
        else:
            if word in FA_NEGATORS and i not in used:
                # «نوشابه نبود», «سس نداشت»: something missing, said with a bare negated verb
                out.append("§negverb")
                balance -= 1
            i += 1
            continue
        # «خوب بود» matched as one entry already closes its clause
        closed = tokens[i + width - 1] in _CLAUSE_END
        negators = [] if closed else _negators_after(tokens, i + width)
        negated = bool(negators) or any(t in EN_NEGATORS for t in tokens[max(0, i - _WINDOW) : i])
        used.update(negators[:1])
        effective = "pos" if (polarity == "pos") != negated else "neg"
        if past and _after_past(tokens, i):
            # «دفعه قبل عالی بود»: praise of the last order; «قبلا دیر میاورد»: a gripe that is over
            out.append(f"§past_{effective}")
            balance += -1 if effective == "pos" else 1
            i += width
            continue
        out.append(f"§not_{polarity}" if negated else f"§{polarity}")
        if effective == "neg" and _modifier(tokens, i, SOFTENERS):
            out.append("§soft_neg")  # a reservation, not a verdict: left out of the balance
        else:
            balance += 1 if effective == "pos" else -1
        if not negated and _modifier(tokens, i, INTENSIFIERS):
            out.append(f"§int_{effective}")
        if _modifier(tokens, i, OVERALL):
            out.append(f"§overall_{effective}")
        i += width
    if out:
        out.append(f"§bal:{max(-3, min(3, balance)):+d}")
    return out
