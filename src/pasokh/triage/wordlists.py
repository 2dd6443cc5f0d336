"""Small word lists for language identification, written for Pasokh.

Finglish words are spelt the many ways people type them (kheili, kheyli, khili); words
that are also common English (in, to, man, be, bad, are, do, no) are left out on purpose.
Arabic words are in Arabic spelling (ي ك ة أ), because language ID runs on raw text.
"""

from __future__ import annotations

FINGLISH: frozenset[str] = frozenset(
    """
    salam slm salaam sallam salamm dorood doroud khodahafez khodafez bye-bye mamnoon mamnun
    mamnoonam mamnunam mrc mersi mersii merc tashakor tashakkor sepas kheili kheyli khili
    kheily khyli khely khoob khub khoobe khube khoobi khubi khoobid aali aliye aalie awli
    olaghe afarin damet dametoon dastet dastetoon dastam dard nakone chera chra chi chie
    chiye chiz chizi koja kojas kojast kojaast kojan kei key kay hanooz hanuz hanoz hamoon
    hamun hamin hamintor inja oonja unja injast oonjast nareside naresideh narsid naresid
    residam reside resid miresim mirese berese beresid sefaresh sefareshe sefaresham
    sefareshm sefareshamo sefareshmo sefareshat sefareshi pool pul poolam pulam poolamo
    pulamo poolemo pardakht pardakhti pardakhtam kart karte kartam hesab hesabam hesabe
    hesabo mojoodi mojudi enteghal vam vaam ghest aghsat lotfan lotfn ltfn lotf lotfa
    khaheshan khahesh khahesham befarmaid befarmayid vali valy ama amma age agar agha
    khanoom khanum jan joon jun azizam ghorbanet ro roo ba az dar oon un ina inaa ona unaa
    shoma shomaa ma hamash hast hastam hastid hastin nist nistam nistid bood bud budam
    boodam boodim bodam shod shode shodeh shodam shodim nashod nashode nashodeh mishe
    nemishe mishod kard kardam kardim kardid kardin kardan nakard nakardam nakardid mikham
    mikhaam mikhastam mikhastim nemikham nemikhaam mikhay mikhaid mikhayd mitoonam mitunam
    nemitoonam nemitunam mitoonid mitunid nemitoonid betoonam bedid bedin bede bedim begid
    begin bego bokonid bekonid bokonin konid konin kon befrestid befrestin ferestadid
    ferestadin ersal ersale ersali hazine hazineh gheymat ghimat gheimat gheymatesh
    ghimatesh chand chande chanda chandeh chandie mojood mojoode mojud mojude darid darin
    dari daram darim nadaram nadarid nadarin tamas shomare ertebat moshkel moshkele moshkeli
    eshtebah eshtebahi eshtebahe kharab kharabe ghat ghate ghatee vasl vasle nemiad miad
    miyad omad oomad umad nayoomad nayomad nayumad nayoumad omade oomade tahvil tahvile
    tahvilesh barname barnameh payam payamak javab javabo javabi nemidid nemidin nemide
    midid midin mikonid mikonin mikonam mikone nemikone nemikonid dirkard zood zud zoodtar
    dir dire yek ye yedoone rooz rooze ruz ruze saat saate saa hafte hafteh mah maah emrooz
    emruz farda diruz dirooz dishab emshab alan hala hamin alaan chetori chetor chejoori
    chejuri chegadr cheghadr cheqadr cheghad negaran montazer montazeram montazerim
    bargardoonid bargardunid bargardonid bargasht pasesh lagv laghv laghvesh sabt sabte
    sabtesh peygiri peigiri eshterak ghabz ghabze masraf jur joor vazeshe vazesh vaz
    akharesh akharesham posht khat boodin mikhastim daste rikhte tu jabe kerem hadeaghal
    hadaghal midadid nadasht nadashtam nadashtid dashtam dashtim dashtid ghaza ghazam
    ghazaye ghazaha sard garm khoshmaze khoshmazeh bimaze bimazeh peyk paik peik parvaz
    belit bilit otagh pishnahad hamkari takhfif takhfifi kodom kodoom kodum nooshabe nushabe
    mosafer rezerv nemitoonestam natoonestam nashod baleh bale areh nakheir hatman etefagh
    etefaghi harchi hichi hich hichkas aslan asan kolan kamelan vaghean vaghan vaqean vaghan
    faghat fagat digeh dige dg chon chun vase vasa baraye bara barat barash bazam bazi baz
    ke khosh khoshgel khoshgela bahal bahale ziba zibaa porsidam porsid bepors pooletoon
    pooleto pooltoon forooshgah furushgah kala kalaa jens jensesh mahsool mahsul mahsulat
    kif kafsh lebas rang rangesh sizesh bebin bebinid bia biya berim borim boro ch khabar
    khabari kojaii kojai bache bachea bacheha kasi bidare ahang ahange esm esmesh vaght
    vaghte vaghtetoon vaghti bekheir bekheyr hajm hajmesh geroon geroone gerun gerune arzoon
    arzun kam kame jadid jadide haye hay baste basteh namak dasht dashte dafe dafe mire
    mirim yadesh yadet sabad kharid kharide bedoone bedune vaziye vaziat iranam khordan
    khordam hasasiat peyda paida karde kardeh soratesh soorat varam badoom koshtamoon havaye
    baba ey rayegan arz ghahreman ghahremane chetorid chetorin khoobin khubin mokhlesim
    nokaram mokhles ghorboonet ghorbunet zaheran zahere ahan eyval ishala inshala enshala
    mashala mashalla vay vaay shenbe yekshanbe doshanbe seshanbe chaharshanbe panjshanbe
    jome jomee
    """.split()  # noqa: SIM905 - a word list reads best as words
)

ENGLISH: frozenset[str] = frozenset(
    """
    the a an is are was were be been am i i'm im you your yours my me mine we our us they
    their them he she it its it's this that these those there here what which who whom why
    how when where and or but not no yes if then than so because as at by for from in into
    of on to with without about after before up down out over again still just only very
    really too also all any some every each more most much many can can't cant could would
    should will won't wont do does did don't dont doesn't didnt didn't have has had haven't
    hasn't please thanks thank hi hello hey dear order ordered orders account card payment
    paid pay refund delivery delivered received money help problem issue app service
    customer support need want get got still yet since today yesterday tomorrow day days
    hours hour week weeks love great good bad terrible awesome amazing best worst wrong late
    again never ever always anyone someone nothing something
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Function words of other Latin-script languages (de, fr, es, it, tr): enough to say "other".
OTHER_LATIN: frozenset[str] = frozenset(
    """
    der die das und ich nicht mit sie ist ein eine einen mein meine wir ihr bitte danke sehr
    geehrte geehrtes hallo wie warum wann auch noch aber oder für von zu auf bei le la les
    et je tu il elle nous vous est une un des du pas avec pour merci bonjour el los las y yo
    es una por para con gracias hola pero muy qué que il lo gli e sono una per con grazie
    ciao ma molto che ve bir bu için çok teşekkürler merhaba değil ne nasıl
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Words that, when a text is written in Arabic script, point to Arabic rather than Persian.
ARABIC: frozenset[str] = frozenset(
    """
    في على إلى الى عن هذا هذه ذلك تلك التي الذي الذين هل كيف لماذا متى أين ماذا لم لن ليس
    ليست كان كانت تم قد لقد أن إن أنا انا نحن أنت انت أنتم هو هي هم مع بعد قبل عند عندي لدي
    لدينا أريد اريد نريد شكرا شكراً جدا جداً طلبي طلبك حتى ثم أو او كل بين يا لكن ولكن أيضا
    ايضا الآن اليوم يوجد لايوجد غير سوف عليكم مرحبا أهلا اهلا الرجاء فضلك سمحت هناك هنا وصل
    يصل لماذا الذى وهذا ولم ولا فقط كيفية يمكن يمكنني يمكنكم أرجو ارجو المنتج الخدمة الطلب
    التوصيل الحساب البطاقة المبلغ الدفع الموقع التطبيق العميل
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Common Persian words (folded spelling: ی ک) that Arabic text does not use.
PERSIAN: frozenset[str] = frozenset(
    """
    است هست نیست این اون آن که را رو با برای از به تو ما شما چرا کجا کجاست چی چه چطور چند هم
    یه یک خیلی ولی اما اگه اگر میخوام میخواستم دارم ندارم شد شده نشده بود کردم کنید کنم لطفا
    سلام ممنون مرسی هنوز الان دیگه باید نمیشه میشه سفارش سفارشم پول پولم چرا پس کی یعنی بعد
    قبل روز ساعت هفته امروز دیروز فردا بدید بدین کنین میکنم میکنید نمیکنه نمیده جواب همه هیچ
    چیزی کسی خودم خودتون شماره کارت حسابم برام براش رسید نرسیده
    """.split()  # noqa: SIM905 - a word list reads best as words
)

# Persian words that begin with ال but are not the Arabic article.
PERSIAN_AL: frozenset[str] = frozenset(
    """
    الان الآن البته الکی الو الکترونیک الکترونیکی الگو الماس الهام الویت اللهی الی
    """.split()  # noqa: SIM905 - a word list reads best as words
)
