"""Articles written for the relevance labelled set (tests/data/relevance_labels.jsonl):
short news items in Arabic, French and English, on the coalition's war against ISIS or
not, with the hard cases a lexicon meets (a Mosul football club, a government
coalition, a football "frappe", the colour grey الرمادي, a sheet of paper ورقة, an
airstrike in another war). Each: (language, label, title, text). Not real articles.
"""

from __future__ import annotations

REL, IRR = "relevant", "irrelevant"

WRITTEN: list[tuple[str, str, str, str]] = [
    # ------------------------------------------------------------------ Arabic, relevant
    ("ar", REL, "طيران التحالف الدولي يقصف مواقع لداعش غرب الموصل",
     "شن طيران التحالف الدولي، فجر اليوم الثلاثاء، سلسلة غارات جوية استهدفت مواقع لعصابات "
     "داعش الإرهابية في الساحل الأيمن من مدينة الموصل، ما أسفر عن تدمير مقرات وأسلحة "
     "للتنظيم. وقال مصدر أمني لوكالة الأنباء العراقية إن الضربات جاءت بالتنسيق مع قيادة "
     "العمليات المشتركة، وإن القوات الأمنية تواصل تقدمها في أحياء المدينة القديمة."),
    ("ar", REL, "القوات العراقية تحرر الفلوجة من قبضة تنظيم الدولة",
     "أعلن قائد عمليات تحرير الفلوجة أن القطعات العسكرية رفعت العلم العراقي فوق المجمع "
     "الحكومي وسط المدينة بعد معارك استمرت أسابيع ضد مسلحي تنظيم الدولة. وأضاف أن طيران "
     "الجيش وطيران التحالف قدما إسناداً جوياً للقوات المتقدمة، وأن فرق الهندسة تعمل على "
     "رفع العبوات الناسفة التي زرعها المسلحون في الطرق والمنازل قبل عودة الأهالي."),
    ("ar", REL, "سنتكوم: مقتل قيادي بارز في داعش بغارة في دير الزور",
     "قالت القيادة المركزية الأمريكية (سنتكوم) في بيان إن قواتها نفذت غارة جوية في محافظة "
     "دير الزور شرقي سوريا أسفرت عن مقتل قيادي بارز في تنظيم داعش كان مسؤولاً عن التخطيط "
     "لهجمات في المنطقة. وأكد البيان أنه لا توجد مؤشرات على سقوط ضحايا مدنيين."),
    ("ar", REL, "التحالف الدولي يسلم قاعدة التاجي إلى القوات العراقية",
     "سلّمت قوات التحالف الدولي اليوم الأحد قاعدة التاجي العسكرية شمالي بغداد إلى القوات "
     "الأمنية العراقية، في إطار خطة إعادة تموضع القوات. وقال المتحدث باسم عملية العزم الصلب "
     "إن التحالف سيواصل تقديم المشورة والدعم للقوات العراقية في حربها ضد بقايا داعش."),
    ("ar", REL, "الدَّوْلَةُ الإِسْلامِيَّة تَتَبَنّى هُجُوماً في كَرْكُوك",
     "تَبَنّى تَنْظِيمُ الدَّوْلَةِ الإِسْلامِيَّةِ الهُجُومَ الَّذِي اسْتَهْدَفَ نُقْطَةً "
     "لِلشُّرْطَةِ جَنُوبَ كَرْكُوك لَيْلَةَ أَمْسِ، وَأَسْفَرَ عَنْ مَقْتَلِ ثَلاثَةِ "
     "عَناصِرَ. وَقالَتْ خَلِيَّةُ الإِعْلامِ الأَمْنِيِّ إِنَّ القُوّاتِ بَدَأَتْ عَمَلِيَّةَ "
     "تَفْتِيشٍ واسِعَةً فِي القُرَى المُحِيطَةِ بَحْثاً عَنِ المُنَفِّذِينَ."),
    ("ar", REL, "قسد تعلن السيطرة على الرقة بدعم من قوات التحالف",
     "أعلنت قوات سوريا الديمقراطية سيطرتها الكاملة على مدينة الرقة بعد أربعة أشهر من المعارك "
     "ضد تنظيم داعش، بدعم جوي ومدفعي من قوات التحالف بقيادة الولايات المتحدة. وقال متحدث "
     "باسم القوات إن الرقة التي كانت تعد عاصمة لما يسمى دولة الخلافة باتت خالية من المسلحين."),
    ("ar", REL, "البنتاغون: عملية العزم الصلب مستمرة حتى الهزيمة الدائمة لداعش",
     "أكد المتحدث باسم البنتاغون أن عملية العزم الصلب ستستمر حتى تحقيق الهزيمة الدائمة "
     "لتنظيم داعش في العراق وسوريا، مشيراً إلى أن التنظيم ما زال يملك خلايا قادرة على "
     "شن هجمات. وأضاف أن عدد القوات الأمريكية في العراق سيبقى على حاله في الوقت الحاضر."),
    ("ar", REL, "مقتل عشرة إرهابيين من داعش في عملية أمنية بصحراء الأنبار",
     "أعلنت قيادة العمليات المشتركة مقتل عشرة إرهابيين من عصابات داعش في عملية نوعية "
     "نفذتها القوات الأمنية في صحراء الأنبار غربي البلاد، بإسناد من طيران الجيش. وأوضح "
     "البيان أن القوات دمرت ثلاثة أنفاق وكدس عتاد كان يستخدمه الإرهابيون."),
    ("ar", REL, "عين العرب: وحدات حماية الشعب تصد هجوماً لتنظيم الدولة",
     "صدت وحدات حماية الشعب الكردية هجوماً عنيفاً شنه مسلحو تنظيم الدولة على الأحياء "
     "الشرقية لمدينة عين العرب (كوباني)، وسط غارات لطائرات التحالف على مواقع المهاجمين. "
     "وقال المرصد السوري إن المعارك أسفرت عن مقتل عشرات المسلحين."),
    ("ar", REL, "خلايا داعش تهاجم قرية شرق تكريت",
     "هاجمت خلية تابعة لداعش قرية زراعية شرق مدينة تكريت في محافظة صلاح الدين، ما أدى إلى "
     "إصابة اثنين من أفراد الحشد العشائري. وقالت مصادر أمنية إن المهاجمين انسحبوا نحو "
     "سلسلة جبال حمرين التي يتخذ منها التنظيم ملاذاً."),
    ("ar", REL, "وزير الدفاع: العراق لم يعد بحاجة إلى قوات قتالية من التحالف الدولي",
     "قال وزير الدفاع العراقي إن القوات العراقية باتت قادرة على مواجهة بقايا داعش دون "
     "الحاجة إلى قوات قتالية من التحالف الدولي، مبيناً أن العلاقة مع التحالف ستقتصر على "
     "التدريب والمشورة وتبادل المعلومات الاستخبارية."),
    ("ar", REL, "نينوى: العثور على مقبرة جماعية لضحايا داعش",
     "عثرت فرق الدفاع المدني في محافظة نينوى على مقبرة جماعية تضم رفات عشرات الضحايا الذين "
     "أعدمهم تنظيم داعش الإرهابي خلال سيطرته على المنطقة، وفق ما أعلنت دائرة الطب العدلي "
     "في الموصل التي باشرت بإجراءات التعرف على الرفات."),
    ("ar", REL, "غارات عراقية على أوكار الإرهابيين في وادي الشاي",
     "نفذت طائرات القوة الجوية العراقية من طراز إف-16 غارات على أوكار للإرهابيين في وادي "
     "الشاي جنوب كركوك، بالتنسيق مع التحالف الدولي. وأفاد بيان لخلية الإعلام الأمني بأن "
     "الضربات دمرت مضافات يستخدمها عناصر داعش."),
    ("ar", REL, "تحليل: كيف يعيد داعش تنظيم صفوفه في البادية السورية؟",
     "بعد سنوات على إعلان القضاء على آخر جيوب التنظيم في الباغوز، ما زال داعش يشن هجمات "
     "متفرقة في البادية السورية وفي المناطق الممتدة بين دير الزور والرقة. ويرى باحثون أن "
     "التنظيم تحول إلى حرب عصابات تعتمد على خلايا صغيرة متنقلة، تستغل الفراغ الأمني "
     "والخلافات بين القوى المحلية. ويقول مسؤولون في التحالف الدولي إن الغارات الجوية وحدها "
     "لا تكفي، وإن الاستقرار يتطلب إعادة إعمار المناطق المدمرة وإعادة النازحين وملف "
     "المحتجزين في مخيم الهول الذي يضم آلاف النساء والأطفال من عائلات مقاتلي التنظيم. "
     "وتحذر تقارير أممية من أن التنظيم ما زال يملك موارد مالية تكفيه لسنوات."),
    # ---------------------------------------------------------------- Arabic, irrelevant
    ("ar", IRR, "البنك المركزي يبيع أكثر من 170 مليون دولار في مزاد العملة",
     "باع البنك المركزي العراقي اليوم الثلاثاء 172 مليون دولار في مزاده اليومي لبيع وشراء "
     "العملة الأجنبية، بمشاركة 35 مصرفاً. وبلغ سعر البيع 1190 ديناراً للدولار الواحد "
     "للحوالات الخارجية والبيع النقدي، فيما لم تتقدم أي جهة ببيع العملة الأجنبية."),
    ("ar", IRR, "نادي الموصل يفوز على الزوراء في الدوري العراقي",
     "حقق فريق نادي الموصل فوزاً ثميناً على ضيفه الزوراء بهدفين مقابل هدف في المباراة التي "
     "أقيمت على ملعب الموصل الأولمبي ضمن الجولة العاشرة من الدوري العراقي الممتاز. وسجل "
     "هدفي الموصل المهاجم أحمد يونس في الشوطين، ليرتقي الفريق إلى المركز السادس."),
    ("ar", IRR, "معرض بغداد الدولي للكتاب يفتتح أبوابه بمشاركة 300 دار نشر",
     "افتتح وزير الثقافة معرض بغداد الدولي للكتاب بمشاركة أكثر من 300 دار نشر عربية "
     "وأجنبية، ويتضمن برنامج المعرض ندوات فكرية وأمسيات شعرية وحفلات توقيع لكتّاب عراقيين. "
     "ويستمر المعرض عشرة أيام في أرض معارض بغداد."),
    ("ar", IRR, "أمطار غزيرة تغمر شوارع في نينوى وكركوك",
     "هطلت أمطار غزيرة على محافظتي نينوى وكركوك أدت إلى غمر عدد من الشوارع والأحياء "
     "السكنية، ودعت مديرية الدفاع المدني المواطنين إلى توخي الحذر. وتوقعت هيئة الأنواء "
     "الجوية استمرار الأمطار حتى نهاية الأسبوع مع انخفاض في درجات الحرارة."),
    ("ar", IRR, "ورقة عمل لتطوير زراعة القطن في الرقة",
     "قدمت نقابة المهندسين الزراعيين ورقة عمل لتطوير زراعة القطن في سهول الرقة، تتضمن "
     "تحديث شبكات الري وتوزيع البذور المحسنة على الفلاحين. وأشارت الورقة إلى أن إنتاج "
     "المحافظة من القطن تراجع خلال السنوات الأخيرة بسبب الجفاف وارتفاع تكاليف الوقود."),
    ("ar", IRR, "التحالف الوطني يرشح وزيراً جديداً للنفط",
     "قدم التحالف الوطني مرشحه لشغل منصب وزير النفط إلى رئيس الوزراء، بعد مشاورات استمرت "
     "أسابيع بين الكتل السياسية. وقال نائب عن التحالف إن المرشح يملك خبرة طويلة في "
     "القطاع النفطي، متوقعاً التصويت عليه في جلسة البرلمان المقبلة."),
    ("ar", IRR, "ارتفاع الإصابات بفيروس كورونا في الأنبار",
     "أعلنت دائرة صحة الأنبار تسجيل 85 إصابة جديدة بفيروس كورونا خلال الساعات الأربع "
     "والعشرين الماضية، داعية المواطنين إلى الالتزام بارتداء الكمامات وتجنب التجمعات. "
     "وأشارت الدائرة إلى شفاء 60 مصاباً."),
    ("ar", IRR, "أزياء الشتاء: اللون الرمادي يتصدر",
     "يتصدر اللون الرمادي قائمة ألوان أزياء الشتاء هذا العام، إذ يظهر المعطف الرمادي "
     "والكنزة الرمادية في مجموعات كبار المصممين. وينصح خبراء الموضة بتنسيق الرمادي مع "
     "الأبيض أو الأحمر الداكن لإطلالة أنيقة في المناسبات المسائية."),
    ("ar", IRR, "ارتفاع صادرات النفط من حقول كركوك",
     "أعلنت شركة نفط الشمال ارتفاع صادرات النفط من حقول كركوك إلى 400 ألف برميل يومياً عبر "
     "خط الأنابيب الممتد إلى ميناء جيهان التركي. وقال مدير الشركة إن الزيادة جاءت بعد "
     "إكمال صيانة محطات الضخ."),
    ("ar", IRR, "المنتخب العراقي يتأهل إلى نهائيات كأس آسيا",
     "تأهل المنتخب العراقي لكرة القدم إلى نهائيات كأس آسيا بعد فوزه على نظيره الإندونيسي "
     "بثلاثة أهداف دون رد. وأشاد المدرب بأداء اللاعبين، مؤكداً أن الفريق يطمح إلى المنافسة "
     "على اللقب."),
    ("ar", IRR, "نتائج امتحانات السادس الإعدادي في صلاح الدين",
     "أعلنت مديرية تربية صلاح الدين نتائج الامتحانات الوزارية للسادس الإعدادي، وبلغت نسبة "
     "النجاح 72 بالمئة. وحصلت طالبة من تكريت على المركز الأول في المحافظة بمعدل 99.5."),
    ("ar", IRR, "شاومي تبيع مليوني هاتف في 12 ساعة",
     "أعلنت شركة شاومي الصينية أنها باعت أكثر من مليوني هاتف ذكي خلال 12 ساعة في مهرجان "
     "المعجبين السنوي، محطمة رقمها القياسي. وتسعى الشركة إلى توسيع حضورها في أسواق "
     "الشرق الأوسط وأفريقيا."),
    ("ar", IRR, "غارات إسرائيلية على جنوب لبنان",
     "شنت طائرات إسرائيلية غارات على بلدات في جنوب لبنان، وقالت وسائل إعلام محلية إن "
     "الغارات استهدفت منازل وأراضي زراعية. وتبادل الجانبان القصف المدفعي طوال اليوم وسط "
     "دعوات دولية إلى التهدئة."),
    ("ar", IRR, "افتتاح جسر جديد في الرمادي بعد إعادة إعماره",
     "افتتح محافظ الأنبار جسراً جديداً على نهر الفرات في الرمادي، بكلفة 20 مليار دينار، "
     "لربط أحياء المدينة بالطريق الدولي. وقال المحافظ إن مشاريع البنى التحتية مستمرة في "
     "جميع أقضية المحافظة."),
    # ------------------------------------------------------------------ French, relevant
    ("fr", REL, "Frappes de la coalition contre l'EI près de Raqqa",
     "La coalition internationale menée par les États-Unis a mené dans la nuit de nouvelles "
     "frappes aériennes contre des positions du groupe État islamique autour de Raqqa, dans "
     "le nord de la Syrie, selon l'Observatoire syrien des droits de l'Homme. Les raids ont "
     "visé des dépôts d'armes et des véhicules des jihadistes."),
    ("fr", REL, "Opération Chammal : les Rafale ont mené de nouvelles frappes en Irak",
     "Dans le cadre de l'opération Chammal, deux Rafale de l'armée de l'Air ont frappé jeudi "
     "des positions de Daech au nord-ouest de Mossoul, a annoncé l'état-major des armées. "
     "Depuis le début de l'opération, les avions français ont réalisé plus de 1 000 sorties "
     "au-dessus de l'Irak et de la Syrie."),
    ("fr", REL, "Mossoul : les forces irakiennes reprennent la vieille ville aux djihadistes",
     "Les forces irakiennes ont annoncé avoir repris le contrôle de la vieille ville de "
     "Mossoul, dernier bastion des djihadistes de l'organisation État islamique dans la "
     "deuxième ville du pays. Les combats, rue par rue, ont duré près de neuf mois."),
    ("fr", REL, "Daech revendique l'attentat de Kirkouk",
     "Le groupe jihadiste Daech a revendiqué l'attentat à la voiture piégée qui a fait huit "
     "morts samedi dans un marché de Kirkouk, dans le nord de l'Irak. Les autorités "
     "kurdes et irakiennes se rejettent la responsabilité de la sécurité de la ville."),
    ("fr", REL, "Le Pentagone annonce la mort d'un chef de l'État islamique en Syrie",
     "Le Pentagone a annoncé mardi la mort d'un haut responsable de l'État islamique, tué "
     "lors d'un raid des forces spéciales américaines dans l'est de la Syrie. Selon le "
     "Commandement central (Centcom), l'homme était chargé des finances de l'organisation."),
    ("fr", REL, "Kobané : les Kurdes repoussent les jihadistes de l'EI",
     "Les combattants kurdes ont repoussé une nouvelle offensive des jihadistes de l'EI à "
     "Kobané, ville syrienne frontalière de la Turquie, avec l'appui des frappes de la "
     "coalition. Des milliers de civils ont fui vers la Turquie."),
    ("fr", REL, "Paris accueille une réunion de la coalition sur l'après-Mossoul",
     "Les ministres de la Défense d'une douzaine de pays de la coalition internationale se "
     "réunissent à Paris pour préparer l'après-Mossoul, alors que l'offensive contre le "
     "groupe État islamique entre dans sa deuxième semaine."),
    ("fr", REL, "Deir ez-Zor : les FDS lancent l'offensive finale contre l'EI",
     "Les Forces démocratiques syriennes ont lancé l'offensive finale contre le dernier réduit "
     "du groupe État islamique dans la province de Deir ez-Zor, soutenues par les frappes "
     "aériennes de la coalition. Le califat autoproclamé ne contrôle plus que quelques "
     "villages le long de l'Euphrate."),
    ("fr", REL, "Le porte-avions Charles de Gaulle rejoint les opérations contre Daech",
     "Le porte-avions Charles de Gaulle a appareillé de Toulon pour le Golfe, d'où ses "
     "Rafale participeront aux frappes contre Daech en Irak, a annoncé le ministre de la "
     "Défense. La France est le deuxième contributeur de la coalition."),
    ("fr", REL, "Irak : la France retire ses soldats de la coalition",
     "La France a décidé de rapatrier les soldats déployés en Irak dans le cadre de "
     "l'opération Chammal, la coalition antijihadiste ayant suspendu ses activités de "
     "formation en raison de l'épidémie de coronavirus."),
    ("fr", REL, "À Baghouz, le califat de l'EI s'effondre",
     "Les dernières poches tenues par le groupe État islamique à Baghouz, dans l'est de la "
     "Syrie, sont tombées samedi, marquant la fin territoriale du califat proclamé en 2014. "
     "Des centaines de jihadistes se sont rendus aux forces kurdes."),
    ("fr", REL, "Ramadi reprise par l'armée irakienne",
     "L'armée irakienne a annoncé dimanche avoir repris le centre de Ramadi, chef-lieu de la "
     "province d'Anbar, tombé aux mains de l'EI en mai. L'offensive a été appuyée par des "
     "frappes aériennes de la coalition internationale."),
    ("fr", REL, "Analyse : la menace persistante de l'État islamique",
     "Cinq ans après la chute de son califat, l'organisation État islamique reste une menace "
     "en Irak et en Syrie, estiment les experts. Ses cellules mènent des embuscades contre "
     "les forces de sécurité dans les provinces de Diyala, Kirkouk et Salaheddine, et "
     "profitent des zones grises entre les forces fédérales et kurdes. En Syrie, les "
     "jihadistes harcèlent les Forces démocratiques syriennes dans la région de Deir "
     "ez-Zor. La coalition internationale, qui a réduit ses effectifs, continue de mener "
     "des raids ciblés contre les chefs de l'organisation. Les camps de déplacés, où vivent "
     "des milliers de proches de combattants, inquiètent particulièrement les responsables "
     "militaires, qui y voient un vivier pour une nouvelle génération de jihadistes."),
    # ---------------------------------------------------------------- French, irrelevant
    ("fr", IRR, "Ligue 1 : Lyon s'impose à Lorient grâce à une frappe de Cherki",
     "L'Olympique lyonnais s'est imposé 2-1 à Lorient samedi. Après une première frappe "
     "repoussée par le gardien, Cherki a trouvé la lucarne d'une frappe du droit à la 78e "
     "minute. Les Merlus, dangereux sur leurs frappes lointaines, ont longtemps cru tenir le "
     "nul. Lyon remonte à la cinquième place du classement."),
    ("fr", IRR, "En Allemagne, la coalition se déchire sur le budget",
     "La coalition gouvernementale allemande traverse une nouvelle crise: les partenaires de "
     "la coalition ne parviennent pas à s'entendre sur le budget 2025. Le chancelier a "
     "convoqué les chefs des partis de la coalition pour une réunion de la dernière chance, "
     "tandis que l'opposition réclame des élections anticipées."),
    ("fr", IRR, "La BCE maintient ses taux directeurs",
     "La Banque centrale européenne a maintenu jeudi ses taux directeurs inchangés, estimant "
     "que l'inflation dans la zone euro revenait progressivement vers son objectif de 2 %. "
     "La présidente de l'institution a toutefois prévenu que les risques restaient élevés."),
    ("fr", IRR, "Festival de Cannes : la Palme d'or à un film iranien",
     "Le jury du Festival de Cannes a décerné samedi la Palme d'or à un drame iranien tourné "
     "clandestinement. Le réalisateur, interdit de sortie de territoire, n'a pas pu assister "
     "à la cérémonie."),
    ("fr", IRR, "Tour de France : victoire d'étape pour un Français à Tignes",
     "Un coureur français a remporté la neuvième étape du Tour de France à Tignes après une "
     "longue échappée, tandis que le maillot jaune a conservé son avance au classement "
     "général."),
    ("fr", IRR, "Les prix de l'immobilier reculent à Paris",
     "Les prix des logements anciens ont reculé de 3 % sur un an à Paris, selon les notaires "
     "d'Île-de-France, sous l'effet de la hausse des taux de crédit. Les transactions sont "
     "au plus bas depuis dix ans."),
    ("fr", IRR, "Rugby : Toulon remporte un troisième titre européen",
     "Le RC Toulon a battu Clermont 24-18 à Twickenham et remporté sa troisième Coupe "
     "d'Europe consécutive. Les Varois ont fait la différence en seconde période grâce à un "
     "essai de leur ailier."),
    ("fr", IRR, "Grève à la SNCF : le trafic perturbé mardi",
     "Le trafic sera fortement perturbé mardi sur le réseau SNCF en raison d'un mouvement "
     "de grève des contrôleurs. La direction prévoit un TGV sur deux et un TER sur trois."),
    ("fr", IRR, "Belgique : accord de coalition pour un nouveau gouvernement",
     "Les négociateurs de cinq partis sont parvenus à un accord de coalition en Belgique, "
     "plus d'un an après les élections. Le futur Premier ministre présentera son "
     "gouvernement devant la Chambre la semaine prochaine."),
    ("fr", IRR, "Ukraine : frappes russes sur Kharkiv",
     "De nouvelles frappes russes ont visé Kharkiv dans la nuit, faisant plusieurs blessés "
     "selon les autorités régionales. Les frappes ont endommagé des infrastructures "
     "énergétiques et privé d'électricité des milliers d'habitants."),
    ("fr", IRR, "Climat : la France a connu l'été le plus chaud",
     "Météo-France confirme que l'été a été le plus chaud jamais enregistré en France, avec "
     "une température moyenne supérieure de 2,5 degrés aux normales. Les épisodes de "
     "canicule se sont succédé de juin à septembre."),
    ("fr", IRR, "Airbus livre un nombre record d'avions",
     "Airbus a livré 766 appareils l'an dernier, un record, et affiche un carnet de commandes "
     "de plus de 8 000 avions. Le constructeur prévoit d'accélérer encore la cadence de "
     "production de l'A320neo."),
    ("fr", IRR, "Mossoul : réouverture de la bibliothèque de l'université",
     "La bibliothèque centrale de l'université de Mossoul a rouvert ses portes après des "
     "années de reconstruction, grâce aux dons de livres venus du monde entier. Les étudiants "
     "de Mossoul peuvent de nouveau y consulter plus de 30 000 ouvrages."),
    # ------------------------------------------------------------ English, hard cases
    ("en", IRR, "Mosul Dam engineers complete grouting season",
     "Engineers at Mosul Dam completed another season of grouting work to shore up the "
     "foundations of Iraq's largest dam, the Ministry of Water Resources said. The dam, on "
     "the Tigris north of Mosul, sits on soluble gypsum and needs constant maintenance. "
     "Officials said water levels in the reservoir were within safe limits."),
    ("en", IRR, "Dutch coalition talks collapse over migration",
     "Talks to form a new Dutch coalition collapsed on Friday after the four parties failed "
     "to agree on migration policy. The coalition negotiator told reporters that the gap "
     "between the parties on asylum could not be bridged, and a new coalition may take "
     "months."),
    ("en", IRR, "Pentagon awards $2bn contract for new tanker aircraft",
     "The Pentagon awarded a $2 billion contract for a new batch of aerial refuelling "
     "tankers, the Department of Defense said. Deliveries are expected to begin in 2027."),
    ("en", IRR, "Israeli airstrikes hit Gaza overnight",
     "Israeli airstrikes hit several targets in the Gaza Strip overnight, Palestinian health "
     "officials said. The military said the air strikes were a response to rockets fired "
     "from the territory."),
    ("en", REL, "Iraqi forces kill ISIS cell leader near Kirkuk",
     "Iraqi counter-terrorism forces killed the leader of an ISIS cell in an operation "
     "southwest of Kirkuk, the Security Media Cell said. Coalition aircraft provided "
     "surveillance."),
    ("en", REL, "Explainer: what is left of Operation Inherent Resolve",
     "Ten years after it began, Operation Inherent Resolve, the US-led campaign against the "
     "Islamic State group, has shrunk to a few thousand troops in Iraq and Syria. The "
     "coalition's mission has moved from combat to advising Iraqi forces and the Syrian "
     "Democratic Forces, who still hold thousands of ISIS fighters in prisons. Washington "
     "and Baghdad have agreed on a timetable for the end of the military mission, while "
     "the Global Coalition to Defeat Daesh continues its civilian work on stabilisation, "
     "counter-financing and foreign fighters."),
    ("en", REL, "Kurdish commander: Daesh sleeper cells still active in Deir ez-Zor",
     "A commander of the Syrian Democratic Forces said Daesh sleeper cells were still "
     "carrying out assassinations and bombings in the countryside of Deir ez-Zor, and asked "
     "the coalition for more support to secure the region."),
]

# Written after the lexicon's weights, core groups and threshold were chosen on the
# items above and on the rest of the set, and never used to change them: the held-out
# part of the set (its figures are reported apart in docs/benchmarks.md). Labelled
# before being scored.
HELD_OUT: list[tuple[str, str, str, str]] = [
    # ------------------------------------------------------------------ Arabic
    ("ar", REL, "إصابة جنديين أمريكيين بهجوم صاروخي على قاعدة عين الأسد",
     "أصيب جنديان أمريكيان بجروح طفيفة في هجوم بصواريخ كاتيوشا استهدف قاعدة عين الأسد "
     "الجوية غربي الأنبار، التي تستضيف قوات أمريكية ضمن مهمة المشورة في العراق. ولم تتبن "
     "أي جهة الهجوم حتى الآن."),
    ("ar", REL, "الحشد الشعبي يحبط تسللاً لداعش قرب الحدود السورية",
     "أحبطت قوات الحشد الشعبي محاولة تسلل لعناصر من داعش عبر الحدود السورية باتجاه قضاء "
     "القائم، وقتلت ثلاثة من المتسللين، بحسب بيان لإعلام الحشد."),
    ("ar", REL, "مجلس الأمن يمدد ولاية فريق التحقيق في جرائم داعش",
     "قرر مجلس الأمن الدولي تمديد ولاية فريق الأمم المتحدة للتحقيق في الجرائم التي ارتكبها "
     "تنظيم داعش في العراق لعام إضافي، لجمع الأدلة على جرائم الإبادة بحق الإيزيديين."),
    ("ar", REL, "عودة 150 عائلة من مخيم الهول إلى العراق",
     "وصلت 150 عائلة عراقية من مخيم الهول في سوريا إلى مخيم الجدعة جنوب الموصل، ضمن خطة "
     "الحكومة لإعادة مواطنيها من المخيم الذي يؤوي عائلات مقاتلي تنظيم الدولة الإسلامية."),
    ("ar", REL, "واشنطن وبغداد تتفقان على جدول لإنهاء مهمة التحالف",
     "اتفقت الحكومتان العراقية والأمريكية على جدول زمني لإنهاء المهمة العسكرية للتحالف "
     "الدولي في العراق خلال عامين، والانتقال إلى علاقات أمنية ثنائية."),
    ("ar", IRR, "افتتاح مهرجان بابل الدولي للثقافات والفنون",
     "انطلقت فعاليات مهرجان بابل الدولي للثقافات والفنون بمشاركة فرق موسيقية ومسرحية من "
     "عشرين دولة، وسط حضور جماهيري كبير في المدرج البابلي الأثري."),
    ("ar", IRR, "وزارة التجارة تعلن توزيع مفردات البطاقة التموينية في نينوى",
     "أعلنت وزارة التجارة المباشرة بتوزيع مفردات البطاقة التموينية لشهر آذار في محافظة "
     "نينوى، وتشمل الطحين والرز والسكر والزيت، على أن تستكمل في الموصل والأقضية "
     "التابعة لها خلال أسبوع."),
    ("ar", IRR, "الجيش السوري يقصف مواقع للفصائل في إدلب",
     "قصفت قوات الجيش السوري بالمدفعية مواقع للفصائل المسلحة في ريف إدلب الجنوبي، فيما "
     "شنت طائرات روسية غارات على محيط بلدة كفرنبل، وفق ناشطين."),
    ("ar", IRR, "الدولار يرتفع في بورصة الكفاح ببغداد",
     "ارتفعت أسعار صرف الدولار في بورصة الكفاح وسط بغداد مع افتتاح التداولات صباح اليوم، "
     "لتسجل 150 ألف دينار لكل مئة دولار."),
    ("ar", IRR, "الرقة تحتضن بطولة للشطرنج",
     "احتضنت مدينة الرقة بطولة للشطرنج بمشاركة ستين لاعباً من محافظات شمال شرقي سوريا، "
     "وفاز بالمركز الأول لاعب من الحسكة."),
    # ------------------------------------------------------------------ French
    ("fr", REL, "Irak : attaque de roquettes contre une base de la coalition",
     "Plusieurs roquettes se sont abattues sur la base d'Aïn al-Assad, qui abrite des "
     "soldats américains et de la coalition internationale, sans faire de victimes, a "
     "indiqué l'armée irakienne."),
    ("fr", REL, "Syrie : les Kurdes remettent des enfants de jihadistes français à la France",
     "Les autorités kurdes du nord-est de la Syrie ont remis à la France quinze enfants de "
     "jihadistes français de l'EI détenus dans le camp d'Al-Hol, a annoncé le Quai d'Orsay."),
    ("fr", REL, "Procès des attentats : le rôle de l'état-major de Daech à Raqqa",
     "Devant la cour d'assises spéciale, un enquêteur a décrit comment les attentats avaient "
     "été planifiés depuis Raqqa par la cellule des opérations extérieures de Daech."),
    ("fr", REL, "Les Rafale français frappent un camp d'entraînement de l'EI",
     "Des Rafale ont détruit un camp d'entraînement de l'organisation État islamique près "
     "de Deir ez-Zor, a annoncé le ministère des Armées."),
    ("fr", REL, "Mossoul, cinq ans après sa libération",
     "Cinq ans après la fin de la bataille de Mossoul, la vieille ville reste en grande "
     "partie en ruines. Les habitants racontent les trois années sous le joug des "
     "jihadistes et la peur des frappes aériennes pendant l'offensive."),
    ("fr", IRR, "Mali : attaque jihadiste contre un camp militaire",
     "Une attaque jihadiste a visé un camp de l'armée malienne dans le centre du pays, faisant "
     "une dizaine de morts parmi les soldats, selon des sources sécuritaires. L'attaque n'a "
     "pas été revendiquée."),
    ("fr", IRR, "Sahel : l'État islamique au Grand Sahara revendique une embuscade",
     "Le groupe État islamique au Grand Sahara a revendiqué l'embuscade qui a tué des "
     "soldats nigériens près de la frontière malienne, dans la zone dite des trois "
     "frontières."),
    ("fr", IRR, "Foot : le PSG domine Marseille dans le Classique",
     "Le Paris Saint-Germain a battu l'OM 3-0 au Parc des Princes. Après une première frappe "
     "sur le poteau, les Parisiens ont ouvert le score sur coup franc."),
    ("fr", IRR, "Coalition de gauche : les négociations avancent pour les législatives",
     "Les partis de gauche se sont entendus sur une coalition pour les élections législatives "
     "et présenteront des candidats communs dans la plupart des circonscriptions."),
    ("fr", IRR, "Le Louvre Abou Dhabi accueille une exposition sur la Mésopotamie",
     "Le Louvre Abou Dhabi présente une exposition consacrée aux royaumes de Mésopotamie, "
     "avec des pièces prêtées par les musées de Bagdad et de Paris."),
    # ------------------------------------------------------------------ English
    ("en", REL, "Rocket attack targets US forces at Erbil airport",
     "Rockets struck near Erbil airport in northern Iraq, where US-led coalition troops are "
     "based, wounding a contractor, Kurdish officials said."),
    ("en", REL, "Iraq sentences Islamic State widow to death",
     "An Iraqi court sentenced a foreign woman to death for belonging to the Islamic State "
     "group, the latest in a series of trials of suspected members' relatives."),
    ("en", REL, "Yazidis return to Sinjar years after genocide",
     "Hundreds of Yazidi families returned to Sinjar this week, years after IS militants "
     "killed and enslaved thousands of the community in 2014. Many homes remain destroyed "
     "and militias still control the district."),
    ("en", REL, "UK jets strike militants in northern Iraq",
     "RAF Typhoons struck a group of Daesh fighters hiding in caves in northern Iraq, the "
     "Ministry of Defence said, as part of Operation Shader."),
    ("en", REL, "US troops to remain in Syria to guard oil fields",
     "Several hundred US troops will stay in eastern Syria to protect oil fields from "
     "militants, the Pentagon said, after the withdrawal of forces from the Turkish border."),
    ("en", IRR, "ISIS-K claims attack on Kabul mosque",
     "The Islamic State's Afghan affiliate, ISIS-K, claimed a suicide bombing at a mosque in "
     "Kabul that killed at least 20 worshippers, the group said in a statement."),
    ("en", IRR, "Kirkuk governor opens new hospital wing",
     "The governor of Kirkuk opened a new cancer treatment wing at the city's main hospital, "
     "funded by the provincial budget."),
    ("en", IRR, "Coalition government in Israel faces no-confidence vote",
     "Israel's coalition government faces a no-confidence vote on Monday after a coalition "
     "partner quit over the budget."),
    ("en", IRR, "Iraq's oil exports hit record high",
     "Iraq's oil exports reached a record 3.9 million barrels a day in January, the oil "
     "ministry said, with most crude shipped from Basra."),
    ("en", IRR, "Ramadi's date farmers hope for a bumper harvest",
     "Date farmers around Ramadi expect their best harvest in years after good rains, though "
     "prices remain low."),
]
