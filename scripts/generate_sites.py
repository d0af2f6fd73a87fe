"""Generate the synthetic catalog of 90 Moscow pilot test sites: models/data/sites.json.

Deterministic (fixed seed): running it twice writes the identical file. Every site is validated
with models.catalog.SiteSeed before anything is written.

    .venv/bin/python scripts/generate_sites.py [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from models.catalog import SiteSeed
from models.rules.facts import SECTOR_SLUGS

SEED = 631  # Moscow Government Decree No. 631-PP that put the program on full scale
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "models" / "data" / "sites.json"

CODE_PREFIX = {
    "retail-services": "RS",
    "energy-efficiency": "EE",
    "it-communications": "IT",
    "healthcare": "HC",
    "environment": "EV",
    "security": "SE",
    "transport": "TR",
    "education": "ED",
    "urban-economy": "UE",
    "culture-sport-tourism": "CS",
    "social-services": "SS",
}

# okrug -> (English name, Russian genitive for "префектура ... округа")
OKRUGS = {
    "ЦАО": ("Central", "Центрального"),
    "САО": ("Northern", "Северного"),
    "СВАО": ("North-Eastern", "Северо-Восточного"),
    "ВАО": ("Eastern", "Восточного"),
    "ЮВАО": ("South-Eastern", "Юго-Восточного"),
    "ЮАО": ("Southern", "Южного"),
    "ЮЗАО": ("South-Western", "Юго-Западного"),
    "ЗАО": ("Western", "Западного"),
    "СЗАО": ("North-Western", "Северо-Западного"),
    "ЗелАО": ("Zelenograd", "Зеленоградского"),
    "НАО": ("Novomoskovsky", "Новомосковского"),
    "ТАО": ("Troitsky", "Троицкого"),
}
# The outer okrugs are smaller by population and get fewer sites.
OKRUG_WEIGHTS = {okrug: 1 if okrug in ("ЗелАО", "НАО", "ТАО") else 3 for okrug in OKRUGS}

STREETS = {
    "ЦАО": [("ул. Тверская", "Tverskaya Street"), ("ул. Мясницкая", "Myasnitskaya Street"),
            ("ул. Большая Ордынка", "Bolshaya Ordynka Street")],
    "САО": [("Дмитровское ш.", "Dmitrovskoye Highway"), ("Ленинградское ш.", "Leningradskoye Highway"),
            ("Бескудниковский б-р", "Beskudnikovsky Boulevard")],
    "СВАО": [("пр-т Мира", "Prospekt Mira"), ("ул. Летчика Бабушкина", "Lyotchika Babushkina Street"),
             ("Алтуфьевское ш.", "Altufyevskoye Highway")],
    "ВАО": [("Щёлковское ш.", "Shchyolkovskoye Highway"), ("ул. Первомайская", "Pervomayskaya Street"),
            ("Свободный пр-т", "Svobodny Avenue")],
    "ЮВАО": [("Рязанский пр-т", "Ryazansky Avenue"), ("Волгоградский пр-т", "Volgogradsky Avenue"),
             ("ул. Люблинская", "Lyublinskaya Street")],
    "ЮАО": [("Варшавское ш.", "Varshavskoye Highway"), ("Каширское ш.", "Kashirskoye Highway"),
            ("Ореховый б-р", "Orekhovy Boulevard")],
    "ЮЗАО": [("Ленинский пр-т", "Leninsky Avenue"), ("Профсоюзная ул.", "Profsoyuznaya Street"),
             ("ул. Миклухо-Маклая", "Miklukho-Maklaya Street")],
    "ЗАО": [("Кутузовский пр-т", "Kutuzovsky Avenue"), ("Мичуринский пр-т", "Michurinsky Avenue"),
            ("ул. Покрышкина", "Pokryshkina Street")],
    "СЗАО": [("Волоколамское ш.", "Volokolamskoye Highway"), ("ул. Героев Панфиловцев", "Geroyev Panfilovtsev Street"),
             ("пр-т Маршала Жукова", "Marshala Zhukova Avenue")],
    "ЗелАО": [("г. Зеленоград, Панфиловский пр-т", "Zelenograd, Panfilovsky Avenue"),
              ("г. Зеленоград, Центральный пр-т", "Zelenograd, Tsentralny Avenue")],
    "НАО": [("пос. Коммунарка, ул. Александры Монаховой", "Kommunarka, Aleksandry Monakhovoy Street"),
            ("г. Московский, ул. Хабарова", "Moskovsky, Khabarova Street")],
    "ТАО": [("г. Троицк, Октябрьский пр-т", "Troitsk, Oktyabrsky Avenue"),
            ("г. Троицк, Калужское ш.", "Troitsk, Kaluzhskoye Highway")],
}

MALE_FIRST = ["Алексей", "Андрей", "Дмитрий", "Сергей", "Михаил", "Игорь", "Олег", "Николай",
              "Владимир", "Павел", "Константин", "Евгений", "Максим", "Илья"]
FEMALE_FIRST = ["Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Марина", "Светлана", "Анна",
                "Екатерина", "Юлия", "Людмила", "Галина"]
PATRONYMICS = [("Александрович", "Александровна"), ("Викторович", "Викторовна"), ("Сергеевич", "Сергеевна"),
               ("Николаевич", "Николаевна"), ("Владимирович", "Владимировна"), ("Петрович", "Петровна"),
               ("Юрьевич", "Юрьевна"), ("Игоревич", "Игоревна"), ("Михайлович", "Михайловна"),
               ("Анатольевич", "Анатольевна")]
SURNAMES = [("Смирнов", "Смирнова"), ("Кузнецов", "Кузнецова"), ("Волков", "Волкова"), ("Соколов", "Соколова"),
            ("Лебедев", "Лебедева"), ("Морозов", "Морозова"), ("Новиков", "Новикова"), ("Фёдоров", "Фёдорова"),
            ("Орлов", "Орлова"), ("Захаров", "Захарова"), ("Белов", "Белова"), ("Ильин", "Ильина"),
            ("Никитин", "Никитина"), ("Громов", "Громова"), ("Покровский", "Покровская"), ("Яковлев", "Яковлева"),
            ("Тихомиров", "Тихомирова"), ("Савельев", "Савельева"), ("Гончаров", "Гончарова"), ("Жуков", "Жукова")]

# The English of every signatory title SITE_TYPES uses.
SIGNATORY_TITLES_EN = {
    "Генеральный директор": "General Director",
    "Главный врач": "Chief Physician",
    "Главный инженер": "Chief Engineer",
    "Директор": "Director",
    "Директор филиала": "Branch Director",
    "Заведующий подстанцией": "Head of Substation",
    "Заместитель префекта": "Deputy Prefect",
    "Заместитель руководителя департамента": "Deputy Head of Department",
    "Начальник базы": "Head of Base",
    "Начальник пункта": "Head of Facility",
    "Начальник станции": "Head of Station",
    "Начальник части": "Head of Unit",
    "Начальник эксплуатационного района": "Head of Operations District",
    "Руководитель": "Head",
    "Руководитель центра": "Head of Centre",
    "Технический директор": "Technical Director",
    "Управляющий отделением": "Branch Manager",
    "Художественный руководитель": "Artistic Director",
}

# BGN/PCGN romanisation as English texts usually print Russian names: "ё" is "yo", the soft and hard signs are
# dropped, "е" is "ye" at the start of a word and after a vowel or a sign, a final "ий"/"ый" is "y" (Dmitry).
LATIN_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
}
IOTATING = set("аеёиоуыэюяъь")  # a following "е" is pronounced, and written, "ye"
CYRILLIC_WORD = re.compile(r"[а-яё]+", re.IGNORECASE)

FIRST_DAY = date(2026, 9, 1)
LAST_DAY = date(2027, 6, 1)
ALREADY_AVAILABLE_UNTIL = date(2026, 11, 1)


@dataclass(frozen=True)
class Name:
    """A site name and its owner's legal name (Russian, English); "{n}" is replaced by a drawn number,
    "{okrug_en}"/"{okrug_ru}" by the okrug."""

    en: str
    ru: str
    owner: str
    owner_en: str
    district: str | None = None


@dataclass(frozen=True)
class SiteType:
    sector: str
    count: int
    names: tuple[Name, ...]  # one "{n}" template, or a pool of named sites to sample from
    owner_type: str
    setting: str
    has_power: bool
    has_network: bool
    visitors: tuple[int, int]
    signatory_title: str  # Russian; SIGNATORY_TITLES_EN has the English
    related: tuple[str, ...]
    needs: tuple[tuple[str, str], ...]  # (English, Russian) sentences


SITE_TYPES: tuple[SiteType, ...] = (
    # --- retail-services ---
    SiteType(
        "retail-services", 3,
        (Name("Shopping centre «Orbita»", "Торговый центр «Орбита»", "ООО «Орбита Ритейл»", "LLC «Orbita Retail»"),
         Name("Shopping centre «Gorizont»", "Торговый центр «Горизонт»", "АО «Горизонт Девелопмент»",
              "JSC «Gorizont Development»"),
         Name("Shopping centre «Kaluzhsky Dvor»", "Торговый центр «Калужский двор»", "ООО «Калужский двор»",
              "LLC «Kaluzhsky Dvor»"),
         Name("Shopping centre «Severnoye Siyanie»", "Торговый центр «Северное сияние»", "ООО «Сияние Молл»",
              "LLC «Siyanie Mall»")),
        "commercial", "indoor", True, True, (15000, 45000), "Генеральный директор",
        ("security", "energy-efficiency", "culture-sport-tourism", "it-communications"),
        (("Understand visitor flows between floors and tenants to plan rents and events.",
          "Понимать потоки посетителей между этажами и арендаторами, чтобы планировать аренду и мероприятия."),
         ("Help shoppers find stores and free parking spaces with indoor navigation.",
          "Помочь покупателям находить магазины и свободные парковочные места с помощью навигации внутри здания."),
         ("Cut queues at the food court at lunchtime.",
          "Сократить очереди на фуд-корте в обеденное время."),
         ("Let shoppers collect online orders from any tenant at a single pick-up point.",
          "Дать покупателям возможность забирать онлайн-заказы любых арендаторов в едином пункте выдачи."),
         ("Reduce food waste of the food court tenants.",
          "Сократить пищевые отходы арендаторов фуд-корта."))),
    SiteType(
        "retail-services", 2,
        (Name("Branch of «Stolichny Bank»", "Отделение банка «Столичный»", "АО «Банк «Столичный»",
              "JSC «Stolichny Bank»"),
         Name("Branch of «Vostok Bank»", "Отделение банка «Восток»", "ПАО «Банк «Восток»", "PJSC «Vostok Bank»"),
         Name("Branch of «Narodny Kredit Bank»", "Отделение банка «Народный кредит»", "АО «Народный кредит»",
              "JSC «Narodny Kredit»")),
        "commercial", "indoor", True, True, (150, 500), "Управляющий отделением",
        ("it-communications", "security", "social-services"),
        (("Serve elderly clients faster and help them use the self-service terminals.",
          "Быстрее обслуживать пожилых клиентов и помогать им пользоваться терминалами самообслуживания."),
         ("Verify clients' identity without paper documents.",
          "Подтверждать личность клиентов без бумажных документов."),
         ("Spot transfers made by clients under pressure from phone scammers.",
          "Распознавать переводы, которые клиенты делают под давлением телефонных мошенников."),
         ("Reduce the waiting time for a consultant at peak hours.",
          "Сократить время ожидания консультанта в часы пик."))),
    SiteType(
        "retail-services", 2,
        (Name("«My Documents» public service centre of Khamovniki district",
              "Центр госуслуг «Мои документы» района Хамовники", "ГБУ «МФЦ города Москвы»",
              "State Budgetary Institution «Multifunctional Public Service Centres of Moscow»", "ЦАО"),
         Name("«My Documents» public service centre of Otradnoye district",
              "Центр госуслуг «Мои документы» района Отрадное", "ГБУ «МФЦ города Москвы»",
              "State Budgetary Institution «Multifunctional Public Service Centres of Moscow»", "СВАО"),
         Name("«My Documents» public service centre of Novogireyevo district",
              "Центр госуслуг «Мои документы» района Новогиреево", "ГБУ «МФЦ города Москвы»",
              "State Budgetary Institution «Multifunctional Public Service Centres of Moscow»", "ВАО"),
         Name("«My Documents» public service centre of Tyoply Stan district",
              "Центр госуслуг «Мои документы» района Тёплый Стан", "ГБУ «МФЦ города Москвы»",
              "State Budgetary Institution «Multifunctional Public Service Centres of Moscow»", "ЮЗАО")),
        "public", "indoor", True, True, (1500, 4000), "Руководитель центра",
        ("it-communications", "social-services"),
        (("Reduce queue time at the service windows during peak hours.",
          "Сократить время ожидания у окон приёма в часы пик."),
         ("Check that a visitor's documents are complete before they reach the window.",
          "Проверять комплектность документов посетителя до того, как он подойдёт к окну."),
         ("Help visitors who speak little Russian fill in applications.",
          "Помогать посетителям, плохо владеющим русским языком, заполнять заявления."),
         ("Collect visitors' ratings of service quality right after the visit.",
          "Собирать оценки качества обслуживания сразу после визита."))),
    SiteType(
        "retail-services", 1,
        (Name("Farmers' market «Ryadom»", "Фермерский рынок «Рядом»", "ООО «Рынки Рядом»", "LLC «Rynki Ryadom»"),),
        "commercial", "mixed", True, True, (3000, 8000), "Генеральный директор",
        ("environment", "security"),
        (("Check the freshness and origin of fruit, vegetables and meat sold at the stalls.",
          "Проверять свежесть и происхождение фруктов, овощей и мяса, которые продаются на прилавках."),
         ("Accept contactless payment at every stall.",
          "Принимать бесконтактную оплату на каждом прилавке."),
         ("Sort and recycle the packaging and food waste of the stalls.",
          "Сортировать и перерабатывать упаковку и пищевые отходы прилавков."))),
    # --- energy-efficiency ---
    SiteType(
        "energy-efficiency", 2,
        (Name("District boiler house No. {n}", "Районная тепловая станция № {n}",
              "АО «Городская теплогенерирующая компания»", "JSC «City Heat Generating Company»"),),
        "commercial", "indoor", True, True, (10, 40), "Генеральный директор",
        ("environment", "urban-economy", "it-communications"),
        (("Raise boiler efficiency by tuning the gas burners from flue gas analysis.",
          "Повысить КПД котлов за счёт настройки газовых горелок по анализу дымовых газов."),
         ("Detect leaks and damaged insulation on the heat pipelines leaving the boiler house.",
          "Обнаруживать утечки и повреждения изоляции на тепловых сетях, отходящих от котельной."),
         ("Predict failures of the network pumps from vibration.",
          "Прогнозировать отказы сетевых насосов по вибрации."),
         ("Cut the electricity used by pumps and fans with variable-speed drives.",
          "Сократить расход электроэнергии насосами и вентиляторами с помощью частотных приводов."),
         ("Reduce nitrogen oxide emissions from the chimneys.",
          "Снизить выбросы оксидов азота из дымовых труб."))),
    SiteType(
        "energy-efficiency", 1,
        (Name("Central heating substation No. {n}", "Центральный тепловой пункт № {n}",
              "АО «Городская теплогенерирующая компания»", "JSC «City Heat Generating Company»"),),
        "commercial", "indoor", True, False, (2, 10), "Генеральный директор",
        ("urban-economy",),
        (("Adjust the heat supply to the weather and to each building to stop overheating in autumn.",
          "Регулировать подачу тепла по погоде и по каждому зданию, чтобы не было перетопов осенью."),
         ("Detect leaks in the hot water pipes of the connected buildings.",
          "Обнаруживать утечки в трубах горячего водоснабжения подключённых зданий."),
         ("Read the heat meters remotely instead of monthly visits.",
          "Снимать показания теплосчётчиков удалённо вместо ежемесячных обходов."))),
    SiteType(
        "energy-efficiency", 2,
        (Name("Business centre «Kvadrat»", "Бизнес-центр «Квадрат»", "ООО «Квадрат Недвижимость»",
              "LLC «Kvadrat Real Estate»"),
         Name("Business centre «Neva Plaza»", "Бизнес-центр «Нева Плаза»", "АО «Нева Плаза»", "JSC «Neva Plaza»"),
         Name("Business centre «Lefortovo Park»", "Бизнес-центр «Лефортово Парк»", "ООО «ЛП Менеджмент»",
              "LLC «LP Management»")),
        "commercial", "indoor", True, True, (2000, 6000), "Генеральный директор",
        ("it-communications", "security", "retail-services", "environment"),
        (("Lower the electricity bill for lighting and air conditioning on floors with few tenants present.",
          "Снизить расходы на освещение и кондиционирование на этажах, где мало арендаторов."),
         ("Bill every tenant for their own electricity and heat through smart meters.",
          "Выставлять каждому арендатору счёт за его электроэнергию и тепло по умным счётчикам."),
         ("Cut the summer cooling load caused by the glass facade.",
          "Снизить летнюю нагрузку на кондиционирование из-за стеклянного фасада."),
         ("Generate part of the building's power on the roof.",
          "Вырабатывать часть электроэнергии здания на крыше."))),
    SiteType(
        "energy-efficiency", 1,
        (Name("Administrative building of the {okrug_en} Okrug prefecture",
              "Административное здание префектуры {okrug_ru} административного округа",
              "Префектура {okrug_ru} административного округа города Москвы",
              "Prefecture of the {okrug_en} Administrative Okrug of Moscow"),),
        "public", "indoor", True, True, (500, 1200), "Заместитель префекта",
        ("urban-economy", "it-communications", "security"),
        (("Cut the heat losses of an old building without closing offices for renovation.",
          "Сократить теплопотери старого здания, не закрывая кабинеты на ремонт."),
         ("Switch off lighting and office equipment in empty rooms at night automatically.",
          "Автоматически выключать освещение и оргтехнику в пустых помещениях ночью."),
         ("Balance the heating between the sunny and shaded sides of the building.",
          "Сбалансировать отопление солнечной и теневой сторон здания."))),
    SiteType(
        "energy-efficiency", 1,
        (Name("Power substation «Chertanovo»", "Электрическая подстанция «Чертаново»",
              "АО «Городские электрические сети»", "JSC «City Electric Networks»", "ЮАО"),),
        "commercial", "mixed", True, True, (5, 20), "Главный инженер",
        ("it-communications", "security"),
        (("Monitor the temperature and insulation of transformers to prevent outages.",
          "Контролировать температуру и изоляцию трансформаторов, чтобы не допускать отключений."),
         ("Store energy on site to cover the evening peak load of the district.",
          "Накапливать энергию на подстанции, чтобы покрывать вечерний пик нагрузки района."),
         ("Detect partial discharges in cable lines before they fail.",
          "Выявлять частичные разряды в кабельных линиях до их повреждения."))),
    # --- it-communications ---
    SiteType(
        "it-communications", 2,
        (Name("Technopark «Kvant»", "Технопарк «Квант»", "АО «Технопарк «Квант»", "JSC «Technopark Kvant»"),
         Name("Technopark «Sfera»", "Технопарк «Сфера»", "ООО «УК «Сфера»", "LLC «Sfera Management Company»"),
         Name("Technopark «Volna»", "Технопарк «Волна»", "АО «Волна Инновации»", "JSC «Volna Innovations»")),
        "commercial", "indoor", True, True, (1500, 5000), "Генеральный директор",
        ("energy-efficiency", "security", "education"),
        (("Give resident companies fast, secure wireless connectivity for testing robots and devices.",
          "Дать компаниям-резидентам быструю защищённую беспроводную связь для испытаний роботов и устройств."),
         ("Offer residents shared cloud computing and GPU capacity for AI projects.",
          "Предоставить резидентам общие облачные вычисления и GPU-мощности для проектов искусственного интеллекта."),
         ("Automate booking of meeting rooms and shared laboratories.",
          "Автоматизировать бронирование переговорных и общих лабораторий."),
         ("Protect the tenants' networks from cyber attacks.",
          "Защитить сети арендаторов от кибератак."))),
    SiteType(
        "it-communications", 1,
        (Name("Data centre «Severny»", "Центр обработки данных «Северный»", "ООО «Северный ЦОД»",
              "LLC «Severny Data Centre»"),),
        "commercial", "indoor", True, True, (50, 150), "Технический директор",
        ("energy-efficiency",),
        (("Reuse the waste heat of servers to heat nearby buildings.",
          "Использовать тепло серверов для отопления соседних зданий."),
         ("Lower the energy spent on cooling with liquid cooling and free cooling.",
          "Снизить энергозатраты на охлаждение с помощью жидкостного и естественного охлаждения."),
         ("Monitor server racks to predict hardware failures.",
          "Следить за серверными стойками и прогнозировать отказы оборудования."))),
    SiteType(
        "it-communications", 1,
        (Name("City contact centre", "Единый городской контактный центр", "ГКУ «Информационный город»",
              "State Treasury Institution «Information City»"),),
        "public", "indoor", True, True, (300, 800), "Директор",
        ("retail-services", "social-services"),
        (("Answer residents' routine questions in messengers automatically and pass complex ones to operators.",
          "Автоматически отвечать на типовые вопросы жителей в мессенджерах и передавать сложные операторам."),
         ("Transcribe calls and detect their topic to route them faster.",
          "Расшифровывать звонки и определять их тему, чтобы быстрее маршрутизировать."),
         ("Check operators' service quality on every call instead of random samples.",
          "Оценивать качество работы операторов по каждому звонку, а не выборочно."))),
    SiteType(
        "it-communications", 1,
        (Name("Business incubator «Start»", "Бизнес-инкубатор «Старт»", "ГБУ «Малый бизнес Москвы»",
              "State Budgetary Institution «Small Business of Moscow»"),),
        "public", "indoor", True, True, (200, 600), "Директор",
        ("education", "retail-services"),
        (("Match startups with mentors and investors by analysing their profiles.",
          "Подбирать стартапам наставников и инвесторов по анализу их профилей."),
         ("Provide secure remote access to shared software and test environments.",
          "Обеспечить защищённый удалённый доступ к общему программному обеспечению и тестовым средам."))),
    SiteType(
        "it-communications", 1,
        (Name("Public Wi-Fi zone «Tverskaya Square»", "Зона городского Wi-Fi «Тверская площадь»",
              "Департамент информационных технологий города Москвы",
              "Moscow Department of Information Technologies", "ЦАО"),
         Name("Public Wi-Fi zone «Krasnaya Presnya Park»", "Зона городского Wi-Fi «Парк Красная Пресня»",
              "Департамент информационных технологий города Москвы",
              "Moscow Department of Information Technologies", "ЦАО")),
        "public", "outdoor", True, True, (5000, 20000), "Заместитель руководителя департамента",
        ("transport", "culture-sport-tourism", "security"),
        (("Keep Wi-Fi fast and stable when thousands of people gather for city events.",
          "Сохранять быстрый и стабильный Wi-Fi, когда на городские мероприятия собираются тысячи людей."),
         ("Extend coverage to places without cables using a wireless backhaul.",
          "Расширить покрытие туда, где нет кабелей, с помощью беспроводных магистральных каналов."),
         ("Measure network load and outages in real time.",
          "Измерять загрузку сети и сбои в реальном времени."))),
    # --- healthcare ---
    SiteType(
        "healthcare", 3,
        (Name("City Polyclinic No. {n}", "Городская поликлиника № {n}", "ГБУЗ «ГП № {n} ДЗМ»",
              "State Budgetary Healthcare Institution «City Polyclinic No. {n} of the Moscow Healthcare Department»"),),
        "public", "indoor", True, True, (1500, 3500), "Главный врач",
        ("social-services", "it-communications", "security"),
        (("Reduce queues at the registration desks and the waiting time for a GP appointment.",
          "Сократить очереди в регистратуре и время ожидания приёма терапевта."),
         ("Monitor blood pressure and ECG of patients with hypertension and heart failure remotely between visits.",
          "Дистанционно наблюдать давление и ЭКГ пациентов с гипертонией и сердечной недостаточностью между визитами."),
         ("Give doctors a second opinion on fluorography and X-ray images so that suspicious findings are not missed.",
          "Получать второе мнение по флюорограммам и рентгеновским снимкам, чтобы не пропускать подозрительные находки."),
         ("Cut the time doctors spend typing medical records during an appointment.",
          "Сократить время, которое врач тратит на заполнение медицинской карты во время приёма."),
         ("Speed up annual check-ups with self-measurement stations for pressure, weight and blood sugar.",
          "Ускорить диспансеризацию с помощью станций самоизмерения давления, веса и сахара крови."),
         ("Disinfect the air in waiting halls during the flu season.",
          "Обеззараживать воздух в холлах ожидания в сезон гриппа."))),
    SiteType(
        "healthcare", 2,
        (Name("Children's City Polyclinic No. {n}", "Детская городская поликлиника № {n}", "ГБУЗ «ДГП № {n} ДЗМ»",
              "State Budgetary Healthcare Institution «Children's City Polyclinic No. {n} of the Moscow Healthcare "
              "Department»"),),
        "public", "indoor", True, True, (700, 1500), "Главный врач",
        ("education", "social-services"),
        (("Let parents consult a paediatrician online instead of bringing a child with a cold to the clinic.",
          "Дать родителям возможность проконсультироваться с педиатром онлайн, не приводя простуженного ребёнка в поликлинику."),
         ("Screen children's eyesight and posture quickly during preventive examinations.",
          "Быстро проверять зрение и осанку детей на профилактических осмотрах."),
         ("Separate children with fever from healthy visitors at the entrance to stop infections spreading.",
          "Отделять детей с температурой от здоровых посетителей на входе, чтобы не распространялись инфекции."),
         ("Monitor children with asthma at home with smart inhalers and spirometry.",
          "Наблюдать детей с астмой дома с помощью умных ингаляторов и спирометрии."))),
    SiteType(
        "healthcare", 2,
        (Name("City Clinical Hospital No. {n}", "Городская клиническая больница № {n}", "ГБУЗ «ГКБ № {n} ДЗМ»",
              "State Budgetary Healthcare Institution «City Clinical Hospital No. {n} of the Moscow Healthcare "
              "Department»"),),
        "public", "indoor", True, True, (800, 2500), "Главный врач",
        ("it-communications", "energy-efficiency", "security"),
        (("Speed up triage of patients arriving at the emergency department.",
          "Ускорить медицинскую сортировку пациентов в приёмном отделении."),
         ("Detect early signs of stroke and intracranial bleeding on CT scans at night when few radiologists are on duty.",
          "Выявлять ранние признаки инсульта и кровоизлияний на КТ ночью, когда дежурит мало рентгенологов."),
         ("Track the location of wheelchairs, infusion pumps and other mobile equipment across the wards.",
          "Отслеживать местонахождение кресел-каталок, инфузионных насосов и другого мобильного оборудования в отделениях."),
         ("Reduce hospital-acquired infections in intensive care with continuous disinfection and hand hygiene control.",
          "Снизить число внутрибольничных инфекций в реанимации за счёт постоянного обеззараживания и контроля гигиены рук."),
         ("Monitor vital signs of patients in general wards continuously to catch deterioration early.",
          "Непрерывно отслеживать жизненные показатели пациентов в общих палатах, чтобы вовремя заметить ухудшение."),
         ("Help patients recover walking after a stroke with rehabilitation devices.",
          "Помочь пациентам восстановить ходьбу после инсульта с помощью реабилитационных устройств."))),
    SiteType(
        "healthcare", 2,
        (Name("Medical centre «MedLine»", "Медицинский центр «МедЛайн»", "ООО «МедЛайн»", "LLC «MedLine»"),
         Name("Medical centre «Zdorovye Plus»", "Медицинский центр «Здоровье Плюс»", "ООО «Здоровье Плюс»",
              "LLC «Zdorovye Plus»"),
         Name("Diagnostic centre «Tochny Diagnoz»", "Диагностический центр «Точный диагноз»", "АО «Точный диагноз»",
              "JSC «Tochny Diagnoz»")),
        "commercial", "indoor", True, True, (200, 600), "Генеральный директор",
        ("it-communications", "retail-services"),
        (("Offer patients laboratory results and follow-up consultations online.",
          "Предоставлять пациентам результаты анализов и повторные консультации онлайн."),
         ("Reduce missed appointments with smart reminders.",
          "Снизить число неявок на приём с помощью умных напоминаний."),
         ("Analyse mammograms with artificial intelligence to support breast cancer screening.",
          "Анализировать маммограммы с помощью искусственного интеллекта для скрининга рака молочной железы."),
         ("Shorten the time from an MRI scan to the radiologist's report.",
          "Сократить время от МРТ-исследования до заключения рентгенолога."))),
    SiteType(
        "healthcare", 1,
        (Name("Ambulance substation No. {n}", "Подстанция скорой медицинской помощи № {n}",
              "ГБУ «ССиНМП им. А. С. Пучкова» ДЗМ",
              "State Budgetary Institution «A. S. Puchkov Emergency and Urgent Medical Care Station» of the Moscow "
              "Healthcare Department"),),
        "public", "mixed", True, True, (60, 150), "Заведующий подстанцией",
        ("transport", "it-communications", "security"),
        (("Transmit the ECG from the ambulance to the hospital cardiologist before the patient arrives.",
          "Передавать ЭКГ из машины скорой помощи кардиологу больницы до прибытия пациента."),
         ("Shorten ambulance arrival time with routing that accounts for traffic.",
          "Сократить время доезда бригад за счёт маршрутизации с учётом пробок."),
         ("Disinfect ambulance cabins quickly between calls.",
          "Быстро обеззараживать салоны автомобилей скорой помощи между вызовами."))),
    # --- environment ---
    SiteType(
        "environment", 2,
        (Name("Natural-historical park «Kuzminki-Lyublino»", "Природно-исторический парк «Кузьминки-Люблино»",
              "ГПБУ «Мосприрода»", "State Nature Conservation Budgetary Institution «Mospriroda»", "ЮВАО"),
         Name("Natural-historical park «Bitsevsky Les»", "Природно-исторический парк «Битцевский лес»",
              "ГПБУ «Мосприрода»", "State Nature Conservation Budgetary Institution «Mospriroda»", "ЮЗАО"),
         Name("Natural-historical park «Pokrovskoye-Streshnevo»", "Природно-исторический парк «Покровское-Стрешнево»",
              "ГПБУ «Мосприрода»", "State Nature Conservation Budgetary Institution «Mospriroda»", "СЗАО")),
        "public", "outdoor", False, False, (2000, 15000), "Директор",
        ("culture-sport-tourism", "security", "education"),
        (("Monitor the health of old trees and detect bark beetle damage early.",
          "Следить за состоянием старых деревьев и рано обнаруживать поражение короедом."),
         ("Detect illegal dumping and fires in remote parts of the park.",
          "Обнаруживать несанкционированные свалки и возгорания в отдалённых частях парка."),
         ("Measure water quality in the park's ponds and prevent algae bloom.",
          "Измерять качество воды в прудах парка и не допускать цветения."),
         ("Count birds and small animals to track biodiversity.",
          "Учитывать птиц и мелких животных, чтобы следить за биоразнообразием."),
         ("Teach visitors about local nature on interactive eco-trails.",
          "Рассказывать посетителям о местной природе на интерактивных экотропах."))),
    SiteType(
        "environment", 1,
        (Name("Waste transfer station «Vostochnaya»", "Мусороперегрузочная станция «Восточная»",
              "ООО «Чистый город»", "LLC «Chisty Gorod»", "ВАО"),),
        "commercial", "mixed", True, True, (50, 200), "Генеральный директор",
        ("urban-economy", "transport", "energy-efficiency"),
        (("Sort plastic, paper and metal out of mixed waste with optical sensors and robots.",
          "Отбирать пластик, бумагу и металл из смешанных отходов с помощью оптических датчиков и роботов."),
         ("Plan garbage truck routes from the fill levels of containers.",
          "Планировать маршруты мусоровозов по уровню заполнения контейнеров."),
         ("Control odours around the station.",
          "Контролировать запахи вокруг станции."))),
    SiteType(
        "environment", 1,
        (Name("Recyclables collection centre «Vtoraya Zhizn»", "Пункт приёма вторсырья «Вторая жизнь»",
              "ООО «Вторая жизнь»", "LLC «Vtoraya Zhizn»"),),
        "commercial", "mixed", True, True, (200, 700), "Генеральный директор",
        ("retail-services", "education"),
        (("Accept bottles and cans from residents with automatic recognition and rewards.",
          "Принимать бутылки и банки от жителей с автоматическим распознаванием и вознаграждением."),
         ("Motivate residents to sort waste at home through a bonus app.",
          "Мотивировать жителей сортировать отходы дома с помощью бонусного приложения."),
         ("Collect batteries, lamps and small electronics safely for recycling.",
          "Безопасно собирать батарейки, лампы и мелкую электронику на переработку."))),
    SiteType(
        "environment", 1,
        (Name("Borisovskiye Ponds", "Борисовские пруды", "ГБУ «Мосводосток»",
              "State Budgetary Institution «Mosvodostok»", "ЮАО"),),
        "public", "outdoor", False, False, (1000, 5000), "Начальник эксплуатационного района",
        ("culture-sport-tourism", "security"),
        (("Clean the pond water of algae and oil films without chemicals.",
          "Очищать воду пруда от водорослей и нефтяной плёнки без химии."),
         ("Monitor the water level and the quality of storm runoff entering the pond.",
          "Контролировать уровень воды и качество ливневого стока, поступающего в пруд."))),
    SiteType(
        "environment", 1,
        (Name("Stormwater treatment facility No. {n}", "Очистное сооружение поверхностного стока № {n}",
              "ГБУ «Мосводосток»", "State Budgetary Institution «Mosvodostok»"),),
        "public", "outdoor", True, True, (20, 80), "Начальник эксплуатационного района",
        ("urban-economy",),
        (("Measure oil products and suspended solids in treated stormwater continuously.",
          "Непрерывно измерять нефтепродукты и взвешенные вещества в очищенном ливневом стоке."),
         ("Reduce the volume of sludge and find a use for it.",
          "Уменьшить объём осадка и найти ему применение."))),
    SiteType(
        "environment", 1,
        (Name("Snow melting station «Nagatinskaya»", "Снегосплавный пункт «Нагатинский»",
              "АО «Мосводоканал»", "JSC «Mosvodokanal»", "ЮАО"),),
        "public", "outdoor", True, True, (30, 100), "Начальник пункта",
        ("urban-economy", "energy-efficiency"),
        (("Melt snow with the waste heat of sewage instead of extra energy.",
          "Плавить снег теплом сточных вод вместо дополнительной энергии."),
         ("Filter sand, salt and debris out of meltwater before it reaches the sewer.",
          "Отфильтровывать песок, соль и мусор из талой воды до сброса в канализацию."),
         ("Count and weigh incoming snow trucks automatically.",
          "Автоматически считать и взвешивать снеговозы на въезде."))),
    # --- security ---
    SiteType(
        "security", 2,
        (Name("Fire and rescue unit No. {n}", "Пожарно-спасательная часть № {n}",
              "ГКУ «Пожарно-спасательный центр»", "State Treasury Institution «Fire and Rescue Centre»"),),
        "public", "mixed", True, True, (40, 80), "Начальник части",
        ("it-communications", "healthcare", "transport"),
        (("Find people in smoke-filled buildings faster with thermal imaging.",
          "Быстрее находить людей в задымлённых зданиях с помощью тепловизоров."),
         ("Track firefighters' location and vital signs during operations.",
          "Отслеживать местоположение и состояние пожарных во время работы на пожаре."),
         ("Detect fires early in courtyards and forests with camera analytics.",
          "Рано обнаруживать возгорания во дворах и лесах с помощью видеоаналитики."),
         ("Get a first view of the fire from a drone before the crews arrive.",
          "Получать первую картину пожара с дрона до прибытия расчётов."))),
    SiteType(
        "security", 1,
        (Name("Water rescue station «Serebryany Bor»", "Спасательная станция «Серебряный Бор»",
              "ГКУ «МГПСС»", "State Treasury Institution «Moscow City Search and Rescue Service on Water»", "СЗАО"),),
        "public", "outdoor", True, False, (500, 3000), "Начальник станции",
        ("culture-sport-tourism", "environment", "healthcare"),
        (("Detect swimmers in distress with cameras and alert lifeguards.",
          "Обнаруживать тонущих с помощью камер и оповещать спасателей."),
         ("Warn people about thin ice on the water in spring.",
          "Предупреждать людей о тонком льде на водоёмах весной."))),
    SiteType(
        "security", 1,
        (Name("Pedestrian crossing at School No. {n}", "Пешеходный переход у школы № {n}", "ГКУ «ЦОДД»",
              "State Treasury Institution «Traffic Management Centre»"),),
        "public", "outdoor", True, False, (3000, 12000), "Руководитель",
        ("transport", "education"),
        (("Warn drivers about children stepping onto the crossing, especially in the dark.",
          "Предупреждать водителей о детях, выходящих на переход, особенно в тёмное время суток."),
         ("Record near-misses and speeding to improve the crossing design.",
          "Фиксировать опасные ситуации и превышения скорости, чтобы улучшить устройство перехода."))),
    SiteType(
        "security", 1,
        (Name("Stadium «Strela Arena»", "Стадион «Стрела Арена»", "ООО «Стрела Арена»", "LLC «Strela Arena»"),),
        "commercial", "mixed", True, True, (5000, 30000), "Генеральный директор",
        ("culture-sport-tourism", "transport", "it-communications"),
        (("Speed up the entry of fans through security checks without reducing safety.",
          "Ускорить проход болельщиков через досмотр без снижения безопасности."),
         ("Detect dangerous crowding and fights in the stands.",
          "Выявлять опасные скопления людей и драки на трибунах."),
         ("Find prohibited items such as flares and weapons at the entrance.",
          "Обнаруживать на входе запрещённые предметы, например файеры и оружие."))),
    SiteType(
        "security", 1,
        (Name("Business centre «Meridian»", "Бизнес-центр «Меридиан»", "ООО «Меридиан Пропертиз»",
              "LLC «Meridian Properties»"),),
        "commercial", "indoor", True, True, (2000, 5000), "Генеральный директор",
        ("it-communications", "energy-efficiency"),
        (("Replace plastic passes with secure face or smartphone access.",
          "Заменить пластиковые пропуска защищённым доступом по лицу или смартфону."),
         ("Detect unauthorised persons on technical floors and in the car park.",
          "Выявлять посторонних на технических этажах и на парковке."),
         ("Reduce false fire alarms that evacuate the whole building.",
          "Сократить ложные срабатывания пожарной сигнализации, из-за которых эвакуируют всё здание."))),
    SiteType(
        "security", 1,
        (Name("Emergency call centre 112", "Центр обработки вызовов системы 112", "ГКУ «Система-112»",
              "State Treasury Institution «System-112»"),),
        "public", "indoor", True, True, (200, 400), "Директор",
        ("it-communications", "healthcare"),
        (("Recognise callers' speech and fill in the incident card automatically.",
          "Распознавать речь звонящих и автоматически заполнять карточку происшествия."),
         ("Locate the caller precisely and pass the call to the right service faster.",
          "Точно определять местоположение звонящего и быстрее передавать вызов нужной службе."),
         ("Handle calls from deaf people through text and video chat.",
          "Принимать обращения глухих людей через текстовый и видеочат."))),
    # --- transport ---
    SiteType(
        "transport", 3,
        (Name("Metro station «Tekstilshchiki»", "Станция метро «Текстильщики»", "ГУП «Московский метрополитен»",
              "State Unitary Enterprise «Moscow Metro»", "ЮВАО"),
         Name("Metro station «Rechnoy Vokzal»", "Станция метро «Речной вокзал»", "ГУП «Московский метрополитен»",
              "State Unitary Enterprise «Moscow Metro»", "САО"),
         Name("Metro station «Medvedkovo»", "Станция метро «Медведково»", "ГУП «Московский метрополитен»",
              "State Unitary Enterprise «Moscow Metro»", "СВАО"),
         Name("Metro station «Yugo-Zapadnaya»", "Станция метро «Юго-Западная»", "ГУП «Московский метрополитен»",
              "State Unitary Enterprise «Moscow Metro»", "ЗАО"),
         Name("Metro station «Planernaya»", "Станция метро «Планерная»", "ГУП «Московский метрополитен»",
              "State Unitary Enterprise «Moscow Metro»", "СЗАО")),
        "public", "indoor", True, True, (25000, 90000), "Начальник станции",
        ("security", "social-services", "retail-services", "it-communications"),
        (("Count passengers in the entrance hall and warn staff before platforms become overcrowded at rush hour.",
          "Считать пассажиров во входном вестибюле и предупреждать персонал о переполнении платформ в час пик."),
         ("Help visually impaired passengers find the right exit, train and transfer on their own.",
          "Помочь незрячим пассажирам самостоятельно находить нужный выход, поезд и пересадку."),
         ("Predict escalator breakdowns from vibration and motor current data.",
          "Прогнозировать поломки эскалаторов по данным о вибрации и токе двигателя."),
         ("Speed up passage through the turnstiles with contactless and biometric fare payment.",
          "Ускорить проход через турникеты за счёт бесконтактной и биометрической оплаты проезда."),
         ("Show passengers clear information on train intervals and service changes.",
          "Показывать пассажирам понятную информацию об интервалах поездов и изменениях в движении."))),
    SiteType(
        "transport", 2,
        (Name("Bus stop «Dubninskaya Street»", "Остановка «Дубнинская улица»", "ГУП «Мосгортранс»",
              "State Unitary Enterprise «Mosgortrans»", "САО"),
         Name("Bus stop «Lyublino Park»", "Остановка «Парк Люблино»", "ГУП «Мосгортранс»",
              "State Unitary Enterprise «Mosgortrans»", "ЮВАО"),
         Name("Bus stop «Yasenevo Polyclinic»", "Остановка «Поликлиника Ясенево»", "ГУП «Мосгортранс»",
              "State Unitary Enterprise «Mosgortrans»", "ЮЗАО")),
        "public", "outdoor", True, False, (800, 4000), "Директор филиала",
        ("social-services", "it-communications", "energy-efficiency", "security"),
        (("Show the real-time arrival of buses and how full they are on a display at the stop.",
          "Показывать на табло остановки время прибытия автобусов в реальном времени и их заполненность."),
         ("Announce arriving routes by voice for blind and low-vision passengers.",
          "Объявлять голосом прибывающие маршруты для незрячих и слабовидящих пассажиров."),
         ("Keep the stop shelter lit and warm in winter on autonomous power.",
          "Обеспечить освещение и обогрев павильона остановки зимой от автономного питания."),
         ("Count the passengers waiting at the stop to adjust bus intervals.",
          "Считать ожидающих пассажиров на остановке, чтобы корректировать интервалы автобусов."))),
    SiteType(
        "transport", 2,
        (Name("Bus depot No. {n}", "Автобусный парк № {n}", "ГУП «Мосгортранс»",
              "State Unitary Enterprise «Mosgortrans»"),),
        "public", "mixed", True, True, (300, 800), "Директор филиала",
        ("energy-efficiency", "environment", "it-communications"),
        (("Schedule the overnight charging of electric buses so the depot stays within its grid capacity.",
          "Распределять ночную зарядку электробусов так, чтобы парк не превышал выделенную мощность."),
         ("Detect driver fatigue and distraction on long shifts.",
          "Выявлять усталость и отвлечение водителей на длинных сменах."),
         ("Predict failures of bus doors, brakes and batteries before a bus breaks down on the route.",
          "Прогнозировать отказы дверей, тормозов и батарей автобусов до схода с маршрута."),
         ("Inspect the underbody and tyres of buses automatically at the depot gate.",
          "Автоматически осматривать днище и шины автобусов на въезде в парк."))),
    SiteType(
        "transport", 1,
        (Name("Park-and-ride car park «Khovrino»", "Перехватывающая парковка «Ховрино»",
              "ГКУ «АМПП»", "State Treasury Institution «Moscow Parking Space Administrator»", "САО"),
         Name("Park-and-ride car park «Salaryevo»", "Перехватывающая парковка «Саларьево»",
              "ГКУ «АМПП»", "State Treasury Institution «Moscow Parking Space Administrator»", "НАО")),
        "public", "outdoor", True, True, (500, 2000), "Директор",
        ("it-communications", "security", "energy-efficiency"),
        (("Show drivers the number of free spaces before they turn off the highway.",
          "Показывать водителям число свободных мест ещё до съезда с магистрали."),
         ("Recognise number plates to check that drivers continue their trip by metro.",
          "Распознавать номера автомобилей, чтобы проверять, что водители продолжают поездку на метро."),
         ("Add chargers for electric cars without upgrading the grid connection.",
          "Установить зарядки для электромобилей без увеличения подключённой мощности."))),
    SiteType(
        "transport", 1,
        (Name("Transport interchange hub «Nizhniye Kotly»", "Транспортно-пересадочный узел «Нижние Котлы»",
              "ГКУ «Организатор перевозок»", "State Treasury Institution «Transport Organiser»", "ЮАО"),),
        "public", "mixed", True, True, (40000, 120000), "Директор",
        ("security", "retail-services", "social-services", "it-communications"),
        (("Guide passengers between train platforms, metro and buses with clear indoor navigation.",
          "Помогать пассажирам ориентироваться между платформами электричек, метро и автобусами."),
         ("Predict crowding during transfers from commuter trains to the metro.",
          "Прогнозировать скопления пассажиров при пересадке с электричек на метро."),
         ("Make transfers step-free and understandable for passengers with wheelchairs and prams.",
          "Сделать пересадки безбарьерными и понятными для пассажиров на колясках и с детскими колясками."))),
    SiteType(
        "transport", 1,
        (Name("River pier «Kievsky Rail Terminal»", "Причал «Киевский вокзал»", "ООО «Столичная речная компания»",
              "LLC «Stolichnaya River Company»", "ЗАО"),),
        "commercial", "outdoor", True, True, (300, 2000), "Генеральный директор",
        ("culture-sport-tourism", "environment", "energy-efficiency"),
        (("Charge electric river trams quickly during short stops at the pier.",
          "Быстро заряжать электрические речные трамвайчики во время коротких стоянок у причала."),
         ("Sell tickets and show boat schedules to tourists in several languages.",
          "Продавать билеты и показывать расписание судов туристам на нескольких языках."),
         ("Keep passengers safe when boarding in bad weather.",
          "Обеспечить безопасность пассажиров при посадке в плохую погоду."))),
    # --- education ---
    SiteType(
        "education", 4,
        (Name("School No. {n}", "Школа № {n}", "ГБОУ «Школа № {n}»",
              "State Budgetary Educational Institution «School No. {n}»"),),
        "public", "indoor", True, True, (800, 1600), "Директор",
        ("it-communications", "healthcare", "security", "culture-sport-tourism"),
        (("Help pupils in grades 5-9 who fall behind in mathematics with adaptive practice.",
          "Помочь ученикам 5–9 классов, отстающим по математике, с помощью адаптивных тренажёров."),
         ("Teach programming and robotics to children in after-school clubs.",
          "Обучать детей программированию и робототехнике в кружках после уроков."),
         ("Reduce the time teachers spend checking homework and written tests.",
          "Сократить время учителей на проверку домашних заданий и контрольных работ."),
         ("Keep CO2 and temperature in classrooms within norms so that pupils stay attentive.",
          "Поддерживать уровень CO2 и температуру в классах в пределах норм, чтобы ученики не уставали."),
         ("Run chemistry and physics experiments in virtual laboratories where real equipment is missing.",
          "Проводить опыты по химии и физике в виртуальных лабораториях, если нет реального оборудования."),
         ("Support pupils with special educational needs in inclusive classes.",
          "Поддержать учеников с особыми образовательными потребностями в инклюзивных классах."),
         ("Help senior pupils choose a profession with career guidance tests and practice.",
          "Помочь старшеклассникам выбрать профессию с помощью профориентационных тестов и практики."))),
    SiteType(
        "education", 2,
        (Name("Preschool department of School No. {n}", "Дошкольное отделение школы № {n}", "ГБОУ «Школа № {n}»",
              "State Budgetary Educational Institution «School No. {n}»"),),
        "public", "indoor", True, True, (150, 350), "Директор",
        ("healthcare", "social-services"),
        (("Develop speech and early literacy of children aged 4-6 with interactive games.",
          "Развивать речь и грамотность детей 4–6 лет с помощью интерактивных игр."),
         ("Screen preschoolers for speech disorders early so that a speech therapist can help in time.",
          "Рано выявлять нарушения речи у дошкольников, чтобы логопед помог вовремя."),
         ("Introduce children aged 5-7 to basic engineering through construction sets.",
          "Знакомить детей 5–7 лет с основами инженерии через конструкторы."),
         ("Keep parents informed about the child's day in the kindergarten.",
          "Информировать родителей о том, как прошёл день ребёнка в детском саду."))),
    SiteType(
        "education", 1,
        (Name("Moscow Polytechnic College", "Московский политехнический колледж",
              "ГБПОУ «Московский политехнический колледж»",
              "State Budgetary Professional Educational Institution «Moscow Polytechnic College»"),
         Name("College of Urban Services", "Колледж городского хозяйства и сервиса",
              "ГБПОУ «Колледж городского хозяйства и сервиса»",
              "State Budgetary Professional Educational Institution «College of Urban Services»")),
        "public", "indoor", True, True, (600, 1500), "Директор",
        ("it-communications", "urban-economy", "transport"),
        (("Train students in welding and machine operation on VR simulators before they use real equipment.",
          "Обучать студентов сварке и работе на станках на VR-тренажёрах до допуска к реальному оборудованию."),
         ("Match students with employers for internships and first jobs.",
          "Подбирать студентам работодателей для практики и первой работы."),
         ("Assess practical skills in demonstration exams objectively with video analysis.",
          "Объективно оценивать практические навыки на демонстрационных экзаменах с помощью видеоанализа."))),
    SiteType(
        "education", 1,
        (Name("Children's technopark «Orbita»", "Детский технопарк «Орбита»", "ООО «Орбита Эдьюкейшн»",
              "LLC «Orbita Education»"),),
        "commercial", "indoor", True, True, (200, 500), "Генеральный директор",
        ("it-communications", "culture-sport-tourism"),
        (("Give teenagers project work with drones, 3D printers and microcontrollers.",
          "Дать подросткам проектную работу с дронами, 3D-принтерами и микроконтроллерами."),
         ("Measure how children's engineering skills grow over a course.",
          "Измерять, как растут инженерные навыки детей за время курса."),
         ("Run online courses for children from remote districts.",
          "Проводить онлайн-курсы для детей из отдалённых районов."))),
    SiteType(
        "education", 1,
        (Name("IT school «Kod Budushchego»", "IT-школа «Код будущего»", "ООО «Код будущего»",
              "LLC «Kod Budushchego»"),),
        "commercial", "indoor", True, True, (100, 300), "Генеральный директор",
        ("it-communications",),
        (("Test a new programming course for children aged 7-12 with automatic checking of tasks.",
          "Опробовать новый курс программирования для детей 7–12 лет с автоматической проверкой заданий."),
         ("Keep children motivated to finish the course with game mechanics.",
          "Удерживать мотивацию детей до конца курса с помощью игровых механик."),
         ("Teach teenagers to build mobile apps and games.",
          "Научить подростков создавать мобильные приложения и игры."))),
    # --- urban-economy ---
    SiteType(
        "urban-economy", 4,
        (Name("Apartment block in Maryino district", "Многоквартирный дом в районе Марьино",
              "ГБУ «Жилищник района Марьино»",
              "State Budgetary Institution «Zhilishchnik of Maryino District»", "ЮВАО"),
         Name("Apartment block in Ostankinsky district", "Многоквартирный дом в Останкинском районе",
              "ГБУ «Жилищник Останкинского района»",
              "State Budgetary Institution «Zhilishchnik of Ostankinsky District»", "СВАО"),
         Name("Apartment block in Khoroshevo-Mnevniki district", "Многоквартирный дом в районе Хорошёво-Мнёвники",
              "ГБУ «Жилищник района Хорошёво-Мнёвники»",
              "State Budgetary Institution «Zhilishchnik of Khoroshevo-Mnevniki District»", "СЗАО"),
         Name("Apartment block in Chertanovo Severnoye district", "Многоквартирный дом в районе Чертаново Северное",
              "ГБУ «Жилищник района Чертаново Северное»",
              "State Budgetary Institution «Zhilishchnik of Chertanovo Severnoye District»", "ЮАО"),
         Name("Apartment block in Izmailovo district", "Многоквартирный дом в районе Измайлово",
              "ГБУ «Жилищник района Измайлово»",
              "State Budgetary Institution «Zhilishchnik of Izmailovo District»", "ВАО"),
         Name("Apartment block in Golovinsky district", "Многоквартирный дом в Головинском районе",
              "ГБУ «Жилищник Головинского района»",
              "State Budgetary Institution «Zhilishchnik of Golovinsky District»", "САО")),
        "public", "mixed", True, True, (300, 1500), "Директор",
        ("energy-efficiency", "environment", "security", "social-services"),
        (("Detect water leaks in basements and risers before the flats below are flooded.",
          "Обнаруживать протечки в подвалах и стояках до того, как затопит квартиры ниже."),
         ("Monitor lifts remotely and send a repair crew before residents get stuck.",
          "Удалённо контролировать лифты и направлять ремонтную бригаду до того, как жители застрянут."),
         ("Spot icicles and snow build-up on the roof to plan safe removal.",
          "Замечать сосульки и скопление снега на кровле, чтобы безопасно планировать их уборку."),
         ("Let residents report problems from their phones and follow the repair.",
          "Дать жителям возможность сообщать о неисправностях с телефона и следить за ремонтом."),
         ("Check the facade and balconies for cracks without scaffolding.",
          "Проверять фасад и балконы на трещины без установки лесов."),
         ("Reduce the cost of cleaning entrances and courtyards.",
          "Снизить затраты на уборку подъездов и дворов."))),
    SiteType(
        "urban-economy", 2,
        (Name("Residential complex «Severny Park»", "Жилой комплекс «Северный парк»", "ООО «УК «Северный парк»",
              "LLC «Severny Park Management Company»"),
         Name("Residential complex «Novaya Zarya»", "Жилой комплекс «Новая заря»", "ООО «УК «Новая заря»",
              "LLC «Novaya Zarya Management Company»"),
         Name("Residential complex «Kvartal 38»", "Жилой комплекс «Квартал 38»", "ООО «Квартал Сервис»",
              "LLC «Kvartal Service»")),
        "commercial", "mixed", True, True, (2000, 6000), "Генеральный директор",
        ("security", "energy-efficiency", "environment", "it-communications"),
        (("Give residents keyless entry, guest passes and a video intercom in one app.",
          "Дать жителям вход без ключей, гостевые пропуска и видеодомофон в одном приложении."),
         ("Read water and heat meters in all apartments automatically.",
          "Автоматически снимать показания счётчиков воды и тепла во всех квартирах."),
         ("Manage the underground car park and deliveries without a guard at the gate.",
          "Управлять подземным паркингом и доставками без охранника на въезде."),
         ("Keep courtyard lawns and playgrounds in good condition at lower cost.",
          "Содержать газоны и детские площадки двора в хорошем состоянии с меньшими затратами."))),
    SiteType(
        "urban-economy", 2,
        (Name("Construction site «Kvartal na Ryazanke»", "Строительная площадка «Квартал на Рязанке»",
              "ООО «СтройИнвест»", "LLC «StroyInvest»", "ЮВАО"),
         Name("Construction site «Renovation, block 12»", "Строительная площадка «Реновация, квартал 12»",
              "АО «Московский строительный трест»", "JSC «Moscow Construction Trust»"),
         Name("Construction site «Tekhnograd»", "Строительная площадка «Техноград»", "ООО «Техноград Девелопмент»",
              "LLC «Tekhnograd Development»")),
        "commercial", "outdoor", True, True, (150, 600), "Генеральный директор",
        ("security", "environment", "it-communications", "energy-efficiency"),
        (("Track the strength gain of concrete in winter to remove formwork on time.",
          "Отслеживать набор прочности бетона зимой, чтобы вовремя снимать опалубку."),
         ("Compare actual progress with the BIM model using drone surveys.",
          "Сравнивать фактический ход работ с BIM-моделью по данным облётов дронами."),
         ("Check that workers wear helmets and harnesses in danger zones.",
          "Контролировать, что рабочие носят каски и страховочные пояса в опасных зонах."),
         ("Reduce the dust and dirt carried from the site onto city roads.",
          "Снизить вынос пыли и грязи со стройплощадки на городские дороги."))),
    SiteType(
        "urban-economy", 1,
        (Name("Road maintenance base No. {n}", "База дорожной техники № {n}", "ГБУ «Автомобильные дороги»",
              "State Budgetary Institution «Automobile Roads»"),),
        "public", "outdoor", True, True, (100, 300), "Начальник базы",
        ("transport", "environment"),
        (("Detect potholes and road surface defects automatically with cameras on cleaning machines.",
          "Автоматически выявлять ямы и дефекты дорожного покрытия камерами на уборочной технике."),
         ("Spread de-icing material only where the road is actually icy.",
          "Распределять противогололёдные материалы только там, где действительно есть гололёд."),
         ("Follow the work of snow ploughs and street sweepers in real time.",
          "Контролировать работу снегоуборочной и подметальной техники в реальном времени."))),
    # --- culture-sport-tourism ---
    SiteType(
        "culture-sport-tourism", 2,
        (Name("Museum-estate «Kuzminki»", "Музей-усадьба «Кузьминки»", "ГБУК г. Москвы «Музей-усадьба «Кузьминки»",
              "Moscow State Budgetary Cultural Institution «Kuzminki Museum-Estate»", "ЮВАО"),
         Name("Museum of Urban Crafts", "Музей городских ремёсел", "ГБУК г. Москвы «Музей городских ремёсел»",
              "Moscow State Budgetary Cultural Institution «Museum of Urban Crafts»"),
         Name("Museum of Moscow Railways", "Музей московской железной дороги", "ГБУК г. Москвы «Музей железной дороги»",
              "Moscow State Budgetary Cultural Institution «Railway Museum»")),
        "public", "indoor", True, True, (500, 3000), "Директор",
        ("education", "it-communications", "social-services"),
        (("Bring the collection to life with augmented reality without adding labels in the halls.",
          "Оживить экспозицию с помощью дополненной реальности, не добавляя табличек в залах."),
         ("Make exhibitions accessible to blind visitors with tactile models and audio description.",
          "Сделать выставки доступными для незрячих посетителей с помощью тактильных макетов и тифлокомментариев."),
         ("Attract teenagers with interactive quests through the exhibition.",
          "Привлечь подростков интерактивными квестами по экспозиции."),
         ("Count visitors in each hall to plan guided tours and staff.",
          "Считать посетителей в каждом зале, чтобы планировать экскурсии и смотрителей."),
         ("Keep temperature and humidity stable for fragile exhibits.",
          "Поддерживать стабильные температуру и влажность для хрупких экспонатов."))),
    SiteType(
        "culture-sport-tourism", 2,
        (Name("Library No. {n}", "Библиотека № {n}", "ГБУК г. Москвы «Библиотека № {n}»",
              "Moscow State Budgetary Cultural Institution «Library No. {n}»"),),
        "public", "indoor", True, True, (200, 800), "Директор",
        ("education", "social-services", "it-communications"),
        (("Let readers borrow and return books on their own at any time with RFID stations.",
          "Дать читателям возможность самостоятельно брать и возвращать книги в любое время через RFID-станции."),
         ("Attract young readers with digital collections and events.",
          "Привлечь молодых читателей цифровыми коллекциями и мероприятиями."),
         ("Turn the reading room into a coworking space with online booking of desks.",
          "Превратить читальный зал в коворкинг с онлайн-бронированием рабочих мест."),
         ("Run digital literacy classes for seniors.",
          "Проводить занятия по цифровой грамотности для пожилых."))),
    SiteType(
        "culture-sport-tourism", 2,
        (Name("Sports complex «Olimpiets»", "Спортивный комплекс «Олимпиец»", "ГБУ «СШОР «Олимпиец» Москомспорта»",
              "State Budgetary Institution «Olimpiets Olympic Reserve Sports School of Moskomsport»"),
         Name("Sports complex «Start»", "Спортивный комплекс «Старт»", "ГБУ «Спортивный комплекс «Старт»",
              "State Budgetary Institution «Start Sports Complex»"),
         Name("Sports complex «Ledovy»", "Спортивный комплекс «Ледовый»", "ГАУ «Ледовый дворец»",
              "State Autonomous Institution «Ice Palace»")),
        "public", "mixed", True, True, (800, 2500), "Директор",
        ("healthcare", "security", "education"),
        (("Analyse swimmers' and runners' technique on video to give coaches instant feedback.",
          "Анализировать технику пловцов и бегунов по видео, чтобы тренеры сразу получали обратную связь."),
         ("Let residents book free slots at the pool and gym online.",
          "Дать жителям возможность бронировать свободное время в бассейне и зале онлайн."),
         ("Reduce injuries of young athletes by tracking their training load.",
          "Снизить травматизм юных спортсменов за счёт контроля тренировочной нагрузки."),
         ("Maintain the ice rink with less energy for refrigeration.",
          "Поддерживать качество льда с меньшими затратами энергии на охлаждение."))),
    SiteType(
        "culture-sport-tourism", 1,
        (Name("Park «Severnoye Tushino»", "Парк «Северное Тушино»", "ГАУК г. Москвы «Парк «Северное Тушино»",
              "Moscow State Autonomous Cultural Institution «Severnoye Tushino Park»", "СЗАО"),),
        "public", "outdoor", True, True, (5000, 30000), "Директор",
        ("environment", "security", "energy-efficiency"),
        (("Count visitors in the park's zones to schedule events and cleaning.",
          "Считать посетителей по зонам парка, чтобы планировать мероприятия и уборку."),
         ("Offer a self-guided audio tour of the park's history.",
          "Предложить самостоятельную аудиоэкскурсию по истории парка."),
         ("Run outdoor workout areas with exercise programmes on visitors' phones.",
          "Запустить уличные спортивные площадки с программами упражнений на телефонах посетителей."))),
    SiteType(
        "culture-sport-tourism", 1,
        (Name("Youth theatre «Ploshchadka»", "Молодёжный театр «Площадка»", "ГБУК г. Москвы «Театр «Площадка»",
              "Moscow State Budgetary Cultural Institution «Ploshchadka Theatre»"),),
        "public", "indoor", True, True, (600, 1500), "Художественный руководитель",
        ("it-communications", "social-services"),
        (("Show subtitles and translations of performances on spectators' smartphones.",
          "Показывать субтитры и перевод спектаклей на смартфонах зрителей."),
         ("Sell unsold seats at the last minute with dynamic pricing.",
          "Продавать оставшиеся места в последний момент с динамическим ценообразованием."),
         ("Let blind spectators follow performances with audio description.",
          "Дать незрячим зрителям возможность следить за спектаклем с тифлокомментированием."))),
    # --- social-services ---
    SiteType(
        "social-services", 4,
        (Name("Social service centre «Beskudnikovo»", "Территориальный центр социального обслуживания «Бескудниково»",
              "ГБУ ТЦСО «Бескудниково»", "State Budgetary Institution Social Service Centre «Beskudnikovo»", "САО"),
         Name("Social service centre «Lyublino»", "Территориальный центр социального обслуживания «Люблино»",
              "ГБУ ТЦСО «Люблино»", "State Budgetary Institution Social Service Centre «Lyublino»", "ЮВАО"),
         Name("Social service centre «Mitino»", "Территориальный центр социального обслуживания «Митино»",
              "ГБУ ТЦСО «Митино»", "State Budgetary Institution Social Service Centre «Mitino»", "СЗАО"),
         Name("Social service centre «Marfino»", "Территориальный центр социального обслуживания «Марфино»",
              "ГБУ ТЦСО «Марфино»", "State Budgetary Institution Social Service Centre «Marfino»", "СВАО"),
         Name("Social service centre «Yasenevo»", "Территориальный центр социального обслуживания «Ясенево»",
              "ГБУ ТЦСО «Ясенево»", "State Budgetary Institution Social Service Centre «Yasenevo»", "ЮЗАО"),
         Name("Social service centre «Perovo»", "Территориальный центр социального обслуживания «Перово»",
              "ГБУ ТЦСО «Перово»", "State Budgetary Institution Social Service Centre «Perovo»", "ВАО")),
        "public", "indoor", True, True, (200, 600), "Директор",
        ("healthcare", "culture-sport-tourism", "it-communications", "education"),
        (("Teach pensioners to use smartphones, online public services and video calls.",
          "Научить пенсионеров пользоваться смартфоном, электронными госуслугами и видеосвязью."),
         ("Detect falls of lonely elderly people living at home and alert social workers.",
          "Выявлять падения одиноких пожилых людей, живущих дома, и оповещать социальных работников."),
         ("Engage Moscow Longevity participants in cognitive training against memory decline.",
          "Вовлекать участников «Московского долголетия» в когнитивные тренировки против ухудшения памяти."),
         ("Plan social workers' home visits so that they spend less time on the road and on paperwork.",
          "Планировать визиты социальных работников на дом так, чтобы сократить время на дорогу и документы."),
         ("Reduce the loneliness of elderly clients with regular contact and companion devices.",
          "Снизить одиночество пожилых клиентов за счёт регулярного общения и устройств-компаньонов."))),
    SiteType(
        "social-services", 2,
        (Name("Boarding house for veterans of labour No. {n}", "Пансионат для ветеранов труда № {n}",
              "ГБУ «Пансионат для ветеранов труда № {n} ДТСЗН»",
              "State Budgetary Institution «Boarding House for Veterans of Labour No. {n}» of the Moscow Department of "
              "Labour and Social Protection"),),
        "public", "indoor", True, True, (150, 400), "Директор",
        ("healthcare", "security", "energy-efficiency"),
        (("Detect falls and night-time wandering of residents with dementia without cameras in the rooms.",
          "Выявлять падения и ночные уходы проживающих с деменцией без камер в комнатах."),
         ("Remind residents to take their medicines and record every dose.",
          "Напоминать проживающим о приёме лекарств и фиксировать каждый приём."),
         ("Help bedridden residents avoid pressure sores with smart mattresses.",
          "Помочь лежачим проживающим избежать пролежней с помощью умных матрасов."),
         ("Let residents keep in touch with relatives through simple video calls.",
          "Дать проживающим возможность общаться с родственниками через простую видеосвязь."))),
    SiteType(
        "social-services", 2,
        (Name("Rehabilitation centre for people with disabilities No. {n}",
              "Реабилитационный центр для инвалидов № {n}", "ГБУ «Реабилитационный центр для инвалидов № {n}»",
              "State Budgetary Institution «Rehabilitation Centre for People with Disabilities No. {n}»"),),
        "public", "indoor", True, True, (100, 300), "Директор",
        ("healthcare", "culture-sport-tourism", "transport", "education"),
        (("Train blind and visually impaired people to move around the city on their own with electronic canes and audio navigation.",
          "Научить незрячих и слабовидящих самостоятельно передвигаться по городу с электронными тростями и звуковой навигацией."),
         ("Help wheelchair users become more independent with stair-climbing and power-assisted wheelchairs.",
          "Помочь колясочникам стать самостоятельнее с помощью ступенькоходов и колясок с электроприводом."),
         ("Provide sign language translation and captions for deaf visitors at consultations.",
          "Обеспечить сурдоперевод и субтитры для глухих посетителей на консультациях."),
         ("Prepare people with disabilities for employment with job-skill simulators.",
          "Готовить людей с инвалидностью к трудоустройству на тренажёрах профессиональных навыков."))),
    SiteType(
        "social-services", 1,
        (Name("Family and childhood support centre «Garmoniya»", "Центр поддержки семьи и детства «Гармония»",
              "ГБУ ЦПСиД «Гармония»", "State Budgetary Institution Family and Childhood Support Centre «Garmoniya»"),),
        "public", "indoor", True, True, (80, 250), "Директор",
        ("education", "healthcare"),
        (("Support families raising children with disabilities through online consultations with psychologists.",
          "Поддерживать семьи, воспитывающие детей с инвалидностью, онлайн-консультациями психологов."),
         ("Help young people leaving orphanages learn independent living skills.",
          "Помочь выпускникам детских домов освоить навыки самостоятельной жизни."),
         ("Speed up the processing of applications for social benefits.",
          "Ускорить рассмотрение заявлений на социальные выплаты."))),
)


def _latin_word(word: str) -> str:
    lower = word.lower()
    stem, ending = (lower[:-2], "y") if lower.endswith(("ий", "ый")) else (lower, "")
    latin = "".join("ye" if letter == "е" and (at == 0 or stem[at - 1] in IOTATING) else LATIN_LETTERS[letter]
                    for at, letter in enumerate(stem)) + ending
    return latin[:1].upper() + latin[1:] if word[0].isupper() else latin


def transliterate(text: str) -> str:
    """`text` with its Russian words in Latin letters: "Фёдоров Юрий" -> "Fyodorov Yury"."""
    return CYRILLIC_WORD.sub(lambda match: _latin_word(match.group()), text)


def _signatory(rng: random.Random) -> tuple[str, str]:
    """The signatory's name as a Russian contract writes it (surname, given name, patronymic) and as an English
    one does (given name, surname)."""
    female = rng.random() < 0.5
    surname = rng.choice(SURNAMES)[female]
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    patronymic = rng.choice(PATRONYMICS)[female]
    return f"{surname} {first} {patronymic}", transliterate(f"{first} {surname}")


def _address(rng: random.Random, district: str) -> tuple[str, str]:
    street_ru, street_en = rng.choice(STREETS[district])
    house = rng.randint(1, 120)
    building = rng.randint(1, 4) if rng.random() < 0.3 else None
    address_ru = f"Москва, {street_ru}, д. {house}" + (f", корп. {building}" if building else "")
    address_en = f"{street_en}, {house}" + (f", bldg {building}" if building else "") + ", Moscow"
    return address_ru, address_en


def _available_from(rng: random.Random) -> str:
    # Most sites are already open for pilots; the rest join during the 2026/27 season.
    if rng.random() < 0.7:
        start, end = FIRST_DAY, ALREADY_AVAILABLE_UNTIL
    else:
        start, end = ALREADY_AVAILABLE_UNTIL, LAST_DAY
    return (start + timedelta(days=rng.randint(0, (end - start).days))).isoformat()


def _fill(template: str, n: int, district: str) -> str:
    okrug_en, okrug_ru = OKRUGS[district]
    return template.format(n=n, okrug_en=okrug_en, okrug_ru=okrug_ru)


def _names_for(site_type: SiteType, rng: random.Random) -> list[Name]:
    if "{" not in site_type.names[0].en:
        return rng.sample(site_type.names, site_type.count)
    return [site_type.names[0]] * site_type.count


def generate_sites(seed: int = SEED) -> list[dict]:
    rng = random.Random(seed)
    okrugs, weights = list(OKRUG_WEIGHTS), list(OKRUG_WEIGHTS.values())
    counters = dict.fromkeys(CODE_PREFIX, 0)
    sites = []
    for site_type in SITE_TYPES:
        numbers = rng.sample(range(1, 230), site_type.count)
        for name, number in zip(_names_for(site_type, rng), numbers):
            district = name.district or rng.choices(okrugs, weights)[0]
            counters[site_type.sector] += 1
            needs = rng.sample(site_type.needs, min(len(site_type.needs), rng.choice((1, 2, 2))))
            address_ru, address_en = _address(rng, district)
            low, high = site_type.visitors
            extra = rng.sample(site_type.related, rng.randint(0, min(3, len(site_type.related))))
            sites.append({
                "code": f"{CODE_PREFIX[site_type.sector]}-{counters[site_type.sector]:03d}",
                "name_en": _fill(name.en, number, district),
                "name_ru": _fill(name.ru, number, district),
                "sector": site_type.sector,
                "allowed_sectors": [site_type.sector, *sorted(extra, key=SECTOR_SLUGS.index)],
                "owner_type": site_type.owner_type,
                "owner_name": _fill(name.owner, number, district),
                "owner_name_en": _fill(name.owner_en, number, district),
                "district": district,
                "address_ru": address_ru,
                "address_en": address_en,
                "need_en": " ".join(en for en, _ in needs),
                "need_ru": " ".join(ru for _, ru in needs),
                "setting": site_type.setting,
                "has_power": site_type.has_power,
                "has_network": site_type.has_network,
                "capacity": rng.choices((1, 2, 3), weights=(4, 4, 2))[0],
                "available_from": _available_from(rng),
                "daily_visitors": round(rng.randint(low, high), -1 if high >= 100 else 0),
                # Drawn here, after the draws above as always: moving a draw would change every site after it.
                "signatory_name": (signatory := _signatory(rng))[0],
                "signatory_name_en": signatory[1],
                "signatory_title": site_type.signatory_title,
                "signatory_title_en": SIGNATORY_TITLES_EN[site_type.signatory_title],
            })
    sites.sort(key=lambda site: (SECTOR_SLUGS.index(site["sector"]), site["code"]))
    for site in sites:
        SiteSeed.model_validate(site)
    return sites


def main(out_path: Path = DEFAULT_OUT) -> Path:
    sites = generate_sites()
    out_path.write_text(json.dumps({"sites": sites}, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return out_path


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    print(f"wrote {main(parser.parse_args().out)}")
