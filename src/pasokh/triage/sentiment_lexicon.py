"""A hand-written sentiment lexicon (fa, Finglish, en) turned into extra model features.

The corpus is a few thousand messages; a lexicon of everyday service words (food, delivery,
courier, app, bank) lets the model generalise past the corpus vocabulary. Entries are in
the normalised (joined, folded) spelling; a negator after a Persian word or before an
English one flips its polarity («خوب نبود», "not good").
"""

from __future__ import annotations

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
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# A Persian negator follows the word it negates; an English one precedes it.
FA_NEGATORS: frozenset[str] = frozenset(
    """
    نبود نیست نبودن نبودند نبوده نشد نشده نداشت نداره نداشتن نداشتند ندارید نیومد نکرد نکردن
    نمیشه نمیکنم نمیدم نمیکنه نبودش نیستش نیس nabood nabud nist nashod nadasht
    """.split()  # noqa: SIM905 - a word list reads best as words
)
EN_NEGATORS: frozenset[str] = frozenset(
    """
    not no never t dont didnt doesnt isnt wasnt wasn isn didn doesn aren arent nothing
    hardly
    """.split()  # noqa: SIM905 - a word list reads best as words
)

_WINDOW = 3


def _key(entry: str) -> str:
    # entries are matched in the normalised, joined spelling whatever way they were typed
    return "".join(normalise(entry).split())


POSITIVE = frozenset(_key(w) for w in POSITIVE)
NEGATIVE = frozenset(_key(w) for w in NEGATIVE) - POSITIVE
FA_NEGATORS = frozenset(_key(w) for w in FA_NEGATORS)
_POLAR = POSITIVE | NEGATIVE
# every prefix of a polar entry: a token that is none of these cannot start a match
_STARTS = frozenset(w[:n] for w in _POLAR | FA_NEGATORS for n in range(1, len(w) + 1))


def lexicon_features(tokens: list[str]) -> list[str]:
    """Return pseudo-features for polar words: §pos / §neg / §not_pos / §not_neg per hit, and
    one §bal:<n> for the balance of positive minus negative hits (clipped to ±3), so that a
    message with five praises and one gripe does not look like one with one of each.
    """
    out: list[str] = []
    if _STARTS.isdisjoint(tokens):
        return out
    n = len(tokens)
    i = 0
    balance = 0
    used: set[int] = set()  # negators already spent on negating a polar word
    while i < n:
        if tokens[i] not in _STARTS:
            i += 1
            continue
        width = 1
        pair = tokens[i] + tokens[i + 1] if i + 1 < n else ""
        # entries written without a space also match two tokens («حرف نداشت» → حرفنداشت)
        word = pair if pair in _POLAR else tokens[i]
        width = 2 if word is pair else 1
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
        window = range(i + width, min(n, i + width + _WINDOW))
        negators = [j for j in window if tokens[j] in FA_NEGATORS]
        negated = bool(negators) or any(t in EN_NEGATORS for t in tokens[max(0, i - _WINDOW) : i])
        used.update(negators[:1])
        out.append(f"§not_{polarity}" if negated else f"§{polarity}")
        balance += 1 if (polarity == "pos") != negated else -1
        i += width
    if out:
        out.append(f"§bal:{max(-3, min(3, balance)):+d}")
    return out
