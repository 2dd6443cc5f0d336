"""A hand-written sentiment lexicon (fa, Finglish, en) turned into extra model features.

The corpus is a few thousand messages; a lexicon of everyday service words (food, delivery,
courier, app, bank) lets the model generalise past the corpus vocabulary. Entries are in
the normalised (joined, folded) spelling; a negator after a Persian word or before an
English one flips its polarity («خوب نبود», "not good").
"""

from __future__ import annotations

POSITIVE: frozenset[str] = frozenset(
    """
    عالی عالیه عالیست خوب خوبه خوبیه خوبن خیلیخوب خوشمزه خوشمزهه خوشمزست خوشمزهبود لذیذ
    تازه تازهه داغ داغداغ سریع سریعه زود بموقع سروقت بهموقع ممنون ممنونم ممنونیم مرسی
    متشکرم متشکریم سپاس سپاسگزارم تشکر دمتون دمت دمتونگرم ایول آفرین افرین بینظیر بینظیره
    فوقالعاده فوقالعادست محشر محشره معرکه عالیترین بهترین راضی راضیم راضییم رضایت
    عاشقتونم عاشقشم عاشق خوشم لذت کامل تمیز مرتب شیک خوشبرخورد مودب مهربون مهربان
    باکیفیت باحال قشنگ خوشگل زیبا ارزون ارزان بصرفه مقرونبهصرفه حرفهای دلچسب خوشطعم
    اصل سالم خوشبو خوشرنگ پرملات مفصل پیشنهادمیکنم توصیهمیکنم دلنشین صمیمی حرفنداشت
    خوشحال خوشحالم ممنونتونم قربونتون قربونت سپاسگزاریم یکی‌ازبهترینها
    khoob khub khoobe khube aali aalie awli aliye aaali khoshmaze khoshmazeh mamnoon mamnun
    mersi merci afarin damet dametoon ghorbanet rahat razi perfect
    good great excellent amazing awesome love loved lovely perfect fantastic wonderful
    best delicious tasty fresh hot fast quick quickly friendly helpful polite nice
    thanks thank thx appreciate appreciated happy glad pleased recommend brilliant superb
    smooth easy clean beautiful gorgeous impressed outstanding
    """.split()
)

NEGATIVE: frozenset[str] = frozenset(
    """
    بد بده بدی بدترین بدتر افتضاح افتضاحه افتضاحترین داغون ضعیف ضعیفه بیکیفیت بیمزه
    شور سرد سردسرد یخ یخزده خمیر خام سوخته کثیف مونده بیات فاسد خراب خرابه خرابی
    دیر دیرکرد تاخیر دیررسید نرسید نرسیده نرسیدهه نیومد نیامد نیومده نیومدهه ناقص ناراضی
    ناراضیم متاسفانه متاسف اشتباه اشتباهی گرون گرونه گرونتر گران بیادب بیاحترامی بیاحترام
    بدبرخورد بداخلاق زشت نامرتب پاره شکسته شکست کج ریخته ریختهبود کلاهبرداری کلاهبردار
    دزد دزدی اشغال آشغال مزخرف مسخره مسخرس مسخرست حیف ضایع فاجعه وحشتناک تلخ چرب کهنه عوضی
    معطل معطلی ضرر پشیمون پشیمونم پشیمان بیمسئولیت بیمسئولیتی بیشعور بیشعوری شرمآور
    مسموم مسمومیت حالمبد لغو کنسل گند گندش ترش مزخرفه بوگندو بومیداد بومیده نپخته
    سفت کم کمه کمبود بیخیال گولزدن دروغ دروغگو پرمدعا غیرحرفهای اعصاب اعصابخوردی
    بیکیفیتترین هیچوقت دیگهنمیخرم دیگهسفارشنمیدم قطع قطعه هک مسدود
    badi kharab kharabe sard dir zaye zaaye afzah eftezah eftezahe dagoon
    bad worst terrible awful horrible disgusting cold late rude wrong broken missing
    never disappointed disappointing poor useless waste scam fraud stolen hacked blocked
    delayed cancelled canceled refund charged overcharged annoyed angry furious frustrated
    frustrating ridiculous unacceptable slow stale soggy raw burnt dirty spoiled sick
    crashed crashes crashing error fail failed failing unable cannot sucks pathetic
    """.split()
)

# A Persian negator follows the word it negates; an English one precedes it.
FA_NEGATORS: frozenset[str] = frozenset(
    """
    نبود نیست نبودن نبودند نبوده نشد نشده نداشت نداره نداشتن نداشتند ندارید نیومد
    نکرد نکردن نمیشه نمیکنم نمیدم نمیکنه نبودش نیستش نیس nabood nabud nist nashod nadasht
    """.split()
)
EN_NEGATORS: frozenset[str] = frozenset(
    "not no never t dont didnt doesnt isnt wasnt wasn isn didn doesn aren arent nothing hardly".split()
)

_WINDOW = 3


def lexicon_features(tokens: list[str]) -> list[str]:
    """Return one pseudo-feature per polar word: §pos, §neg, or §not_pos / §not_neg."""
    out: list[str] = []
    n = len(tokens)
    i = 0
    while i < n:
        width = 1
        pair = tokens[i] + tokens[i + 1] if i + 1 < n else ""
        # entries written without a space also match two tokens («حرف نداشت» → حرفنداشت)
        if pair in POSITIVE or pair in NEGATIVE:
            word, width = pair, 2
        else:
            word = tokens[i]
        if word in POSITIVE:
            polarity = "pos"
        elif word in NEGATIVE:
            polarity = "neg"
        else:
            i += 1
            continue
        after = tokens[i + width : min(n, i + width + _WINDOW)]
        before = tokens[max(0, i - _WINDOW) : i]
        negated = any(t in FA_NEGATORS for t in after) or any(t in EN_NEGATORS for t in before)
        out.append(f"§not_{polarity}" if negated else f"§{polarity}")
        i += width
    return out
