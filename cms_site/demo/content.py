"""The demo portal's pages, in Persian (from the seed guide) and English.

Each entry: key, page type, slug, and per language a title, an intro and body paragraphs.
Pages whose feature lands in a later piece of work say so, instead of 404ing.
"""

COMING_SOON = {
    "fa": "این بخش به زودی در دسترس قرار می‌گیرد. تا آن زمان می‌توانید راهنماها و پرسش‌های پرتکرار را ببینید.",
    "en": "This section is coming soon. Meanwhile you can read the guides and the frequently asked questions.",
}

HOME = {
    "slug": "home",
    "fa": {
        "title": "سامانه جامع انجمن‌های علمی گروه پزشکی",
        "intro": "<p>به سامانه انتخابات الکترونیک انجمن‌های علمی گروه پزشکی خوش آمدید. برای شرکت در "
        "انتخابات‌های اعلام شده، دکمه بنفش «شرکت در انتخابات» را بزنید.</p>",
        "election_menu_label": "انتخابات",
        "participate_label": "شرکت در انتخابات",
    },
    "en": {
        "title": "Medical Scientific Associations Portal",
        "intro": "<p>Welcome to the electronic elections of the medical scientific associations. "
        "To take part in an announced election, press the purple “Take part in elections” button.</p>",
        "election_menu_label": "Elections",
        "participate_label": "Take part in elections",
    },
}

PAGES = [
    {
        "key": "upcoming",
        "type": "election_index",
        "slug": "upcoming-elections",
        "fa": {"title": "انتخابات پیش رو", "intro": "فهرست انتخابات‌های فعال و پیش رو.", "body": []},
        "en": {"title": "Upcoming elections", "intro": "Open and upcoming elections.", "body": []},
    },
    {
        "key": "participation_guide",
        "type": "standard",
        "slug": "participation-guide",
        "fa": {
            "title": "راهنمای شرکت در انتخابات",
            "intro": "گام‌های شرکت در انتخابات الکترونیک انجمن‌های علمی.",
            "body": [
                "برای شرکت در انتخابات‌های اعلام شده توسط انجمن‌های علمی، در منوی بالای صفحه روی گزینه "
                "«انتخابات» بروید و «انتخابات پیش رو» را انتخاب کنید، یا دکمه بنفش «شرکت در انتخابات» را بزنید.",
                "در فهرست انتخابات پیش رو، با زدن «ورود به صفحه انتخابات» وارد صفحه انتخابات انجمن خود شوید. "
                "گزینه «شرکت در انتخابات» فقط در زمان رای‌گیری فعال است.",
                "نام کاربری همه شرکت‌کنندگان کد ملی آنهاست. اگر انجمن شما را ثبت نام کرده است، کلمه عبور را با "
                "«کلمه عبور خود را فراموش کرده ام» دریافت کنید.",
                "چنانچه دریافت پیامک‌های تبلیغاتی را مسدود کرده‌اید، دریافت کد تایید از طریق پیامک مقدور نیست و "
                "باید کد را از طریق پست الکترونیک دریافت کنید یا گزینه «ارسال کد تایید از طریق پیامک به سامانه» را "
                "انتخاب نمایید.",
            ],
        },
        "en": {
            "title": "How to take part in an election",
            "intro": "The steps of an association's electronic election.",
            "body": [
                "To take part in an election announced by your association, open the “Elections” menu at the top "
                "and choose “Upcoming elections”, or press the purple “Take part in elections” button.",
                "In the list of upcoming elections, press “Go to the election page”. “Take part in the election” "
                "works only while voting is open.",
                "Everyone's username is their national code. If your association registered you, get a password "
                "with “I have forgotten my password”.",
                "If you have blocked promotional SMS, you cannot receive the confirmation code by SMS: receive it "
                "by email, or choose “Send the confirmation code to the system by SMS”.",
            ],
        },
    },
    {
        "key": "history",
        "type": "election_history",
        "slug": "election-history",
        "fa": {"title": "تاریخچه انتخابات برگزار شده", "intro": "انتخابات‌های گذشته و نتایج آنها.", "body": []},
        "en": {"title": "Past elections", "intro": "Past elections and their results.", "body": []},
    },
    {
        "key": "registration_guide",
        "type": "standard",
        "slug": "registration-guide",
        "fa": {
            "title": "راهنمای ثبت نام",
            "intro": "چگونه در سامانه ثبت نام کنید.",
            "body": [
                "در صفحه «انتخابات پیش رو» کد ملی و کد امنیتی را وارد کرده و «بررسی کد ملی» را بزنید. اگر قبلاً "
                "ثبت نام کرده باشید، سامانه به شما پیغام خواهد داد؛ در غیر این صورت وارد صفحه ورود اطلاعات "
                "خواهید شد.",
                "در فرم «ثبت نام عضو جدید در سامانه» نام، نام خانوادگی، تلفن همراه، پست الکترونیک، کلمه عبور و "
                "انجمن یا انجمن‌های مورد نظر را وارد کنید. عضویت شما پس از تایید مسئولان انجمن فعال می‌شود.",
                "کلمه عبور شامل حداقل ۸ کاراکتر و ترکیبی از حروف بزرگ و کوچک انگلیسی و اعداد است؛ استفاده از "
                "فاصله و کاراکترهای ویژه ممنوع است.",
            ],
        },
        "en": {
            "title": "Registration guide",
            "intro": "How to register with the portal.",
            "body": [
                "On the “Upcoming elections” page, enter your national code and the security code and press "
                "“Check national code”. If you are already registered, the portal tells you so; otherwise the "
                "registration form opens.",
                "In the new member form, enter your names, mobile, email, password and the association(s) to "
                "join. Your membership becomes active once the association's officers approve it.",
                "A password has at least 8 characters and mixes English upper-case and lower-case letters and "
                "digits; spaces and special characters are not allowed.",
            ],
        },
    },
    {
        "key": "secretariat",
        "type": "standard",
        "slug": "secretariat",
        "fa": {
            "title": "اطلاعات دبیرخانه کمیسیون انجمن های علمی گروه پزشکی",
            "intro": "نشانی و راه‌های تماس با دبیرخانه.",
            "body": [
                "دبیرخانه کمیسیون انجمن‌های علمی گروه پزشکی، معاونت آموزشی وزارت بهداشت، درمان و آموزش پزشکی. "
                "ویرایشگران سامانه نشانی و ساعات پاسخگویی را در این صفحه به‌روز نگه می‌دارند.",
            ],
        },
        "en": {
            "title": "Secretariat of the Commission of Medical Scientific Associations",
            "intro": "Address and contact details of the secretariat.",
            "body": [
                "Secretariat of the Commission of Medical Scientific Associations, Deputy of Education, Ministry "
                "of Health and Medical Education. Editors keep the address and office hours up to date here.",
            ],
        },
    },
    {
        "key": "usage_guide",
        "type": "standard",
        "slug": "usage-guide",
        "fa": {
            "title": "راهنمای استفاده از سامانه",
            "intro": "نکته‌های کار با سامانه.",
            "body": [
                "بزرگ و کوچک بودن حروف کلمه عبور مهم است؛ توصیه می‌شود کلمه عبور دریافتی را بدون فاصله پس و پیش "
                "وارد کنید.",
                "اگر کلمه عبور خود را به کد ملی ریست کرده‌اید، حتماً تا قبل از انتخابات آن را تغییر دهید؛ در زمان "
                "انتخابات سامانه از ورود افرادی که کلمه عبور و نام کاربری یکسان دارند جلوگیری می‌کند.",
            ],
        },
        "en": {
            "title": "Using the portal",
            "intro": "Tips for working with the portal.",
            "body": [
                "Passwords are case-sensitive; enter the password you received without spaces before or after it.",
                "If you reset your password to your national code, change it before the election: during an "
                "election the portal refuses logins whose password equals the username.",
            ],
        },
    },
    {
        "key": "faq",
        "type": "faq",
        "slug": "faq",
        "fa": {
            "title": "سوالات پرتکرار انتخابات",
            "intro": "پاسخ پرسش‌های رایج درباره ثبت نام و رای‌گیری.",
            "questions": [
                (
                    "چرا پیام «شما عضو این انجمن نیستید» را می‌بینم؟",
                    "تایید عضویت بر عهده مسئولان انجمن مربوطه است. از صفحه «مشاهده وضعیت عضویت» وضعیت خود را "
                    "ببینید و برای تایید با انجمن خود تماس بگیرید.",
                ),
                (
                    "کلمه عبور به دستم نرسید. چه کنم؟",
                    "پوشه Spam ایمیل را هم بررسی کنید. اگر پیامک‌های تبلیغاتی را مسدود کرده‌اید، گزینه دوم "
                    "«ارسال کد تایید برای ریست شدن کلمه عبور» را خارج از زمان انتخابات به کار ببرید.",
                ),
                (
                    "آیا پس از ثبت رای می‌توانم آن را تغییر دهم؟",
                    "خیر. تا پیش از وارد کردن کد تایید و زدن «ثبت رای» می‌توانید انتخاب خود را تغییر دهید؛ پس از "
                    "آن رای قابل تغییر نیست.",
                ),
            ],
        },
        "en": {
            "title": "Election FAQ",
            "intro": "Answers to common questions about registration and voting.",
            "questions": [
                (
                    "Why do I see “You are not a member of this association”?",
                    "Membership approval belongs to the association's officers. Check “Membership status” and "
                    "contact your association to be approved.",
                ),
                (
                    "My password never arrived. What can I do?",
                    "Check your spam folder. If you block promotional SMS, use option two, “Send a confirmation "
                    "code to reset the password”, outside an election's voting window.",
                ),
                (
                    "Can I change my vote after casting it?",
                    "No. You can change your selection until you enter the confirmation code and press “Cast "
                    "vote”; after that the vote is final.",
                ),
            ],
        },
    },
]

# The top «انتخابات» menu (P1): label per language and the page it opens.
ELECTION_MENU = [
    ("upcoming", {"fa": "انتخابات پیش رو", "en": "Upcoming elections"}),
    ("participation_guide", {"fa": "راهنمای شرکت در انتخابات", "en": "Participation guide"}),
    ("history", {"fa": "تاریخچه انتخابات برگزار شده", "en": "Past elections"}),
]

# Side-menu entries that open the members' Django views (member_workflow.urls) rather than
# a page: key → URL name, reversed in each language by the demo builder.
MEMBER_LINKS = {"status": "accounts:status", "login": "accounts:login", "register": "accounts:register"}

# The home side menu (P2), in the seed's order.
SIDE_MENU = [
    ("registration_guide", "plain", {"fa": "راهنمای ثبت نام", "en": "Registration guide"}),
    (
        "secretariat",
        "plain",
        {"fa": "اطلاعات دبیرخانه کمیسیون انجمن های علمی گروه پزشکی", "en": "Commission secretariat"},
    ),
    ("usage_guide", "plain", {"fa": "راهنمای استفاده از سامانه", "en": "Using the portal"}),
    ("upcoming", "plain", {"fa": "شرکت در انتخابات", "en": "Take part in elections"}),
    ("status", "plain", {"fa": "مشاهده وضعیت عضویت", "en": "Membership status"}),
    ("faq", "plain", {"fa": "سوالات پرتکرار انتخابات", "en": "Election FAQ"}),
    ("login", "plain", {"fa": "ورود اعضای ثبت نام شده به سامانه", "en": "Member login"}),
    ("register", "yellow", {"fa": "ثبت نام عضو جدید در سامانه", "en": "Register as a new member"}),
]


# --- Demo elections (issue 4). Times are relative to the moment `manage.py demo` runs. ----
ASSOCIATIONS = {
    "medical-informatics": "انجمن علمی انفورماتیک پزشکی ایران",
    "pediatrics": "انجمن علمی پزشکان کودکان ایران",
}

SUPPORT_URL = "https://t.me/example_election_support"

BOARD = {"fa": "هیات مدیره", "limit": 3, "seats": 3}
INSPECTOR = {"fa": "بازرس", "limit": 1, "seats": 1}

# (first name, family name, election code, university, field, academic rank)
OPEN_CANDIDATES = {
    "هیات مدیره": [
        ("محمد", "گودرزی", "۱۰۱", "دانشگاه علوم پزشکی تهران", "انفورماتیک پزشکی", "دانشیار"),
        ("زهرا", "جعفری", "۱۰۲", "دانشگاه علوم پزشکی شهید بهشتی", "انفورماتیک پزشکی", "استادیار"),
        ("نرگس", "ژیان", "۱۰۳", "دانشگاه علوم پزشکی ایران", "مدیریت اطلاعات سلامت", "استاد"),
        ("مریم", "بابایی", "۱۰۴", "دانشگاه علوم پزشکی شیراز", "انفورماتیک پزشکی", "استادیار"),
        ("حسین", "چگینی", "۱۰۵", "دانشگاه علوم پزشکی مشهد", "مدیریت اطلاعات سلامت", "دانشیار"),
        ("علیرضا", "پاکزاد", "۱۰۶", "دانشگاه علوم پزشکی اصفهان", "انفورماتیک پزشکی", "استادیار"),
    ],
    "بازرس": [
        ("سارا", "کاظمی", "۲۰۱", "دانشگاه علوم پزشکی تبریز", "انفورماتیک پزشکی", "استادیار"),
        ("رضا", "زمانی", "۲۰۲", "دانشگاه علوم پزشکی کرمان", "مدیریت اطلاعات سلامت", "دانشیار"),
    ],
}

SMALL_CANDIDATES = {
    "هیات مدیره": [
        ("لیلا", "احمدی", "۱۰۱", "دانشگاه علوم پزشکی تهران", "پزشکی کودکان", "استاد"),
        ("کامران", "فرهادی", "۱۰۲", "دانشگاه علوم پزشکی ایران", "پزشکی کودکان", "دانشیار"),
        ("شیرین", "یزدانی", "۱۰۳", "دانشگاه علوم پزشکی شیراز", "پزشکی کودکان", "استادیار"),
    ],
    "بازرس": [("بهرام", "نوری", "۲۰۱", "دانشگاه علوم پزشکی مشهد", "پزشکی کودکان", "دانشیار")],
}

PAST_CANDIDATES = {
    "هیات مدیره": [
        ("احمد", "رستمی", "۱۰۱", "دانشگاه علوم پزشکی تهران", "انفورماتیک پزشکی", "استاد"),
        ("مینا", "شریفی", "۱۰۲", "دانشگاه علوم پزشکی شهید بهشتی", "مدیریت اطلاعات سلامت", "دانشیار"),
        ("کاوه", "نیک‌نام", "۱۰۳", "دانشگاه علوم پزشکی ایران", "انفورماتیک پزشکی", "استادیار"),
        ("سمیه", "طاهری", "۱۰۴", "دانشگاه علوم پزشکی اصفهان", "انفورماتیک پزشکی", "دانشیار"),
        ("بابک", "فتحی", "۱۰۵", "دانشگاه علوم پزشکی تبریز", "مدیریت اطلاعات سلامت", "استادیار"),
    ],
    "بازرس": [
        ("نازنین", "قاسمی", "۲۰۱", "دانشگاه علوم پزشکی شیراز", "انفورماتیک پزشکی", "استادیار"),
        ("مهدی", "اکبری", "۲۰۲", "دانشگاه علوم پزشکی مشهد", "مدیریت اطلاعات سلامت", "دانشیار"),
    ],
}

# The past election is voted for real: these members (approved in its association, each
# with a mobile) cast their ballots through the voting services, confirming by the third
# channel (the 4-digit code from their own mobile). Who picks whom comes from a seeded
# random draw weighted by PAST_WEIGHTS, so every `manage.py demo` gives the same result.
PAST_VOTERS = [
    ("نسرین", "اکبرزاده"), ("جواد", "امینی"), ("شهلا", "باقری"), ("کیوان", "بهرامی"),
    ("مژگان", "پارسا"), ("سعید", "ترابی"), ("هدی", "جلالی"), ("فرهاد", "حیدری"),
    ("رویا", "خلیلی"), ("مسعود", "دلاوری"), ("پریسا", "رحمانی"), ("نیما", "زارعی"),
    ("سپیده", "سلطانی"), ("آرش", "شجاعی"), ("طاهره", "صفری"), ("بهزاد", "عباسی"),
    ("لاله", "غفاری"), ("حمید", "فرجی"), ("یاسمن", "قربانی"), ("کامبیز", "کیانی"),
    ("گلناز", "لطفی"), ("مجید", "مرادی"), ("نگار", "نادری"), ("وحید", "هاشمی"),
]  # fmt: skip
PAST_WEIGHTS = {"هیات مدیره": [9, 7, 6, 4, 2], "بازرس": [5, 3]}
PAST_SEED = 1404

# Each election: key, association slug, window (days from now, hours for the open one),
# the state to reach through the services, titles and descriptions, candidates.
ELECTIONS = [
    {
        "key": "draft",
        "slug": "pediatrics-board-draft",
        "association": "pediatrics",
        "starts_in_days": 60,
        "length_days": 1,
        "state": "draft",
        "candidates": SMALL_CANDIDATES,
        "fa": {
            "title": "انتخابات دوره ششم هیات مدیره انجمن علمی پزشکان کودکان ایران",
            "description": "این انتخابات هنوز در دست آماده‌سازی است و اعلام نشده است.",
        },
        "en": {
            "title": "Sixth board election of the Iranian Society of Pediatrics",
            "description": "This election is still being prepared and has not been announced.",
        },
    },
    {
        "key": "announced",
        "slug": "pediatrics-board",
        "association": "pediatrics",
        "starts_in_days": 14,
        "length_days": 2,
        "state": "announced",
        "candidates": SMALL_CANDIDATES,
        "fa": {
            "title": "انتخابات دوره پنجم هیات مدیره انجمن علمی پزشکان کودکان ایران",
            "description": "اعضای تأیید شده انجمن می‌توانند در زمان رای‌گیری از همین صفحه در انتخابات شرکت کنند. "
            "پیش از رای‌گیری با نامزدها و برنامه‌هایشان آشنا شوید.",
        },
        "en": {
            "title": "Fifth board election of the Iranian Society of Pediatrics",
            "description": "Approved members of the society can vote from this page while voting is open. "
            "Meet the candidates and their programmes beforehand.",
        },
    },
    {
        "key": "open",
        "slug": "medical-informatics-board",
        "association": "medical-informatics",
        "starts_in_days": 0,
        "length_days": 7,
        "state": "open",
        "candidates": OPEN_CANDIDATES,
        "fa": {
            "title": "انتخابات هیات مدیره و بازرس انجمن علمی انفورماتیک پزشکی ایران",
            "description": "انتخاب اعضای هیات رییسه (حداکثر 3 نفر) و بازرس (1 نفر). رای‌گیری به مدت یک هفته باز است. "
            "برای پرسش‌های خود به گروه پشتیبانی انتخابات بپیوندید.",
        },
        "en": {
            "title": "Board and inspector election of the Iranian Medical Informatics Association",
            "description": "Choose the board members (at most 3) and the inspector (1). Voting is open for a week. "
            "Join the election support group with your questions.",
        },
    },
    {
        "key": "past",
        "slug": "medical-informatics-board-1404",
        "association": "medical-informatics",
        "starts_in_days": -365,
        "length_days": 2,
        "state": "published",
        "candidates": PAST_CANDIDATES,
        "fa": {
            "title": "انتخابات سال ۱۴۰۴ هیات مدیره انجمن علمی انفورماتیک پزشکی ایران",
            "description": "رای‌گیری این انتخابات به پایان رسیده است.",
        },
        "en": {
            "title": "2025 board election of the Iranian Medical Informatics Association",
            "description": "Voting in this election has ended.",
        },
    },
]

# Approved members so that the open election can open and a visitor can try voting.
# Issue 12: the demo elections' supervisors (هیئت نظارت), 2 of 3 (cms_site/demo/supervisors.py).
DEMO_SUPERVISORS = [("پرویز", "ناظری"), ("شیرین", "امینی"), ("کاوه", "دادگر")]
DEMO_VOTER_PASSWORD = "DemoVoter2026"  # noqa: S105 - demo login, printed by `manage.py demo`
DEMO_VOTERS = [
    ("فاطمه", "رحیمی"),
    ("امیر", "کریمی"),
    ("الهام", "صادقی"),
    ("پویا", "چراغی"),
    ("ژاله", "موسوی"),
]
