"""Writes dev_applications.jsonl: DEVELOPMENT DATA for tuning and cross-validating the sector suggestion.

Written for pilotflow without looking at the sector profiles (models/data/sectors.json) or the shared
evaluation applications: each concept is a solution a company might pilot, in the applicant's words; each
is phrased in three styles (terse, marketing, technical). Never use these texts as profiles.

    .venv/bin/python bench/data/generate_dev_applications.py
"""

import json
import random
from pathlib import Path

# sector -> [(language, title, what it does, where it is tried, who benefits)]
CONCEPTS = {
    "retail-services": [
        ("en", "Queue-free checkout", "shoppers scan goods with their phone and walk out without queuing at the till", "a chain of grocery shops", "shoppers and cashiers"),
        ("en", "Shelf gap camera", "a camera on the shelf edge spots products that ran out and tells staff to refill", "supermarkets", "store staff"),
        ("en", "Parcel pick-up wall", "a wall of smart lockers where residents collect online orders at any hour", "a shopping centre", "online shoppers"),
        ("en", "Tailor booking app", "customers book alterations and shoe repair and pay in advance", "neighbourhood service points", "residents"),
        ("en", "Fresh food discount labels", "labels lower the price of food close to its expiry date automatically", "food stores", "shoppers on a budget"),
        ("en", "Mall visitor counter", "sensors at the doors count visitors and show the busiest hours to tenants", "a shopping mall", "mall management and tenants"),
        ("ru", "Касса самообслуживания", "покупатели сами пробивают товары и оплачивают картой без очереди", "сеть продуктовых магазинов", "покупатели"),
        ("ru", "Постаматы во дворах", "жители забирают интернет-заказы в любое время из ячеек у дома", "жилые кварталы и торговые центры", "покупатели интернет-магазинов"),
        ("ru", "Умная витрина кафе", "витрина узнаёт блюдо на подносе и сразу выставляет счёт", "столовые и кафе", "посетители и кассиры"),
        ("ru", "Онлайн-очередь в химчистку", "клиенты записываются на приём вещей и получают уведомление о готовности", "пункты бытовых услуг", "жители района"),
    ],
    "energy-efficiency": [
        ("en", "Smart heating controller", "a controller adjusts the heating of a building to the outdoor temperature and saves heat", "schools and offices", "facility managers"),
        ("en", "Street light dimming", "lamps dim when nobody is around and brighten when a pedestrian approaches", "park alleys and side streets", "the city lighting service"),
        ("en", "Rooftop solar with storage", "solar panels and a battery cover part of a building's electricity use", "public buildings", "building owners"),
        ("en", "Heat loss drone survey", "a drone with a thermal camera finds where buildings lose heat through walls and roofs", "residential blocks", "heat supply engineers"),
        ("en", "Power meter analytics", "meter readings are analysed to find equipment that wastes electricity at night", "hospitals and offices", "energy managers"),
        ("en", "Cable fault locator", "sensors on underground cables predict faults before a blackout happens", "the district electricity network", "grid operators"),
        ("ru", "Автоматический тепловой пункт", "регулирует подачу тепла в здание по погоде и экономит гигакалории", "школы и поликлиники", "эксплуатационные службы"),
        ("ru", "Светодиодные светильники с датчиками", "светильники включаются только при движении и снижают расход электроэнергии", "подъезды и парковки", "управляющие компании"),
        ("ru", "Накопитель энергии для подстанции", "аккумулятор сглаживает пики потребления электроэнергии", "городские подстанции", "электросетевая компания"),
        ("ru", "Учёт тепла по квартирам", "датчики на радиаторах считают потреблённое тепло каждой квартиры", "многоквартирные дома", "жильцы"),
    ],
    "it-communications": [
        ("en", "Chatbot for city services", "a chatbot answers residents' questions about certificates and forms around the clock", "the city portal", "residents and call centre staff"),
        ("en", "Free Wi-Fi mesh", "outdoor access points give visitors fast wireless internet", "squares and embankments", "visitors"),
        ("en", "Document recognition", "scanned paper forms are read by machine learning and entered into the database", "government offices", "clerks"),
        ("en", "Private 5G for a campus", "a private cellular network connects sensors and cameras across the territory", "an industrial park", "operators of connected devices"),
        ("en", "Open data dashboard", "a platform publishes city datasets with an API for developers", "the city's data office", "developers and analysts"),
        ("en", "Cyber threat monitoring", "software watches the network of an agency and flags intrusions", "city agencies", "IT security teams"),
        ("ru", "Цифровая платформа для обращений", "собирает обращения жителей из мессенджеров и распределяет по исполнителям", "органы власти", "сотрудники и жители"),
        ("ru", "Распознавание речи для колл-центра", "переводит разговоры операторов в текст и находит частые вопросы", "городской контакт-центр", "операторы"),
        ("ru", "Облачное хранилище для ведомств", "отечественное облако для хранения документов с шифрованием", "государственные учреждения", "сотрудники"),
        ("ru", "Сеть LoRaWAN", "беспроводная сеть передаёт данные тысяч датчиков на большие расстояния", "городские кварталы", "операторы датчиков"),
    ],
    "healthcare": [
        ("en", "Remote blood pressure checks", "patients with hypertension measure pressure at home and the doctor sees the readings", "a city polyclinic", "patients and general practitioners"),
        ("en", "AI fracture finder", "software highlights bone fractures on X-ray images for the radiologist", "an emergency hospital", "radiologists"),
        ("en", "Smart pill dispenser", "a dispenser reminds the patient to take tablets and reports missed doses", "outpatient clinics", "patients with chronic diseases"),
        ("en", "Skin mole checker", "a dermatoscope on a phone estimates the risk of melanoma", "dermatology rooms", "dermatologists and patients"),
        ("en", "Ward infection control", "ultraviolet robots disinfect hospital rooms between patients", "hospital wards", "nurses and patients"),
        ("en", "Clinic wait-time board", "the registry shows live waiting times and sends patients to the free doctor", "polyclinics", "patients"),
        ("ru", "Телемедицинские консультации", "врач консультирует пациента по видеосвязи и выписывает рецепт", "городские поликлиники", "пациенты и врачи"),
        ("ru", "ИИ для маммографии", "алгоритм находит признаки рака молочной железы на снимках", "диагностические центры", "рентгенологи"),
        ("ru", "Кардиомонитор-пластырь", "пластырь записывает ЭКГ несколько суток и выявляет аритмию", "кардиологические отделения", "пациенты с болезнями сердца"),
        ("ru", "Экзоскелет для реабилитации", "помогает пациентам после инсульта заново учиться ходить", "реабилитационные центры", "пациенты и реабилитологи"),
    ],
    "environment": [
        ("en", "Bin fill-level sensors", "sensors report how full the containers are so garbage trucks skip empty ones", "residential yards", "waste collectors"),
        ("en", "River water quality buoy", "a floating station measures pollution in the river every hour", "the city river", "ecologists"),
        ("en", "Air pollution map", "low-cost sensors measure fine dust and publish a live map", "busy streets", "residents with asthma"),
        ("en", "Food waste composter", "a machine turns canteen leftovers into compost within a day", "school canteens", "canteen staff"),
        ("en", "Plastic bottle reverse vending", "people return bottles and cans to a machine and get points", "parks and metro exits", "residents"),
        ("en", "Tree health scanner", "laser scans detect sick and dangerous trees before they fall", "city parks", "park services"),
        ("ru", "Раздельный сбор отходов", "контейнеры с распознаванием мусора принимают пластик, стекло и бумагу отдельно", "дворы жилых домов", "жители"),
        ("ru", "Мониторинг шума", "датчики измеряют уровень шума у дорог и строек", "жилые районы", "жители и экологи"),
        ("ru", "Очистка ливневых стоков", "фильтры задерживают нефтепродукты и мусор в дождевой воде", "ливневая канализация", "водоканал"),
        ("ru", "Переработка строительных отходов", "мобильная дробилка превращает бетонный лом во вторичный щебень", "площадки сноса", "строительные компании"),
    ],
    "security": [
        ("en", "Gunshot detection", "acoustic sensors locate gunshots and alert the police within seconds", "city streets", "police"),
        ("en", "Unattended bag alert", "video analytics notice an object left behind and notify guards", "railway stations", "security staff"),
        ("en", "Fire early warning", "smoke and heat sensors with a camera confirm a fire before the alarm spreads", "warehouses and dormitories", "firefighters"),
        ("en", "Emergency call button", "a button with video and two-way voice links a citizen to the duty officer", "pedestrian underpasses", "passers-by in trouble"),
        ("en", "Crowd density monitor", "cameras estimate how crowded an area is and warn of a dangerous crush", "stadium entrances and fan zones", "event organisers and police"),
        ("en", "Drone for search and rescue", "a drone with a thermal camera finds missing people in forests", "the rescue service", "rescuers"),
        ("ru", "Система оповещения о ЧС", "рассылает жителям предупреждения о пожаре и наводнении на телефоны", "городские районы", "жители"),
        ("ru", "Досмотр без остановки", "рамка находит оружие в сумках, не задерживая поток людей", "входы на массовые мероприятия", "охрана"),
        ("ru", "Контроль доступа по лицу", "турникет пропускает сотрудников по биометрии и отсекает посторонних", "административные здания", "служба безопасности"),
        ("ru", "Датчики газа в подвалах", "обнаруживают утечку газа и перекрывают подачу", "жилые дома", "аварийные службы"),
    ],
    "transport": [
        ("en", "Adaptive traffic signals", "traffic lights change their timing to the real flow of cars", "busy intersections", "drivers and pedestrians"),
        ("en", "Bus arrival screens", "screens show when the next bus arrives in real time", "bus stops", "passengers"),
        ("en", "E-scooter parking zones", "geofenced docks keep rented scooters off the pavement", "metro exits", "riders and pedestrians"),
        ("en", "Parking space sensors", "sensors in the asphalt show free parking spaces in an app", "city centre streets", "drivers"),
        ("en", "Electric bus charging", "fast chargers at the terminus top up electric buses in minutes", "bus depots", "the transport operator"),
        ("en", "Pothole detection from buses", "cameras on buses spot road defects and report them for repair", "bus routes", "road maintenance"),
        ("ru", "Оплата проезда по лицу", "пассажир проходит турникет без карты с помощью биометрии", "станции метро", "пассажиры"),
        ("ru", "Умный светофор", "светофор продлевает зелёный для пешеходов с медленным шагом", "перекрёстки", "пешеходы"),
        ("ru", "Каршеринг электромобилей", "поминутная аренда электромобилей с зарядкой у дома", "спальные районы", "водители"),
        ("ru", "Мониторинг загрузки автобусов", "датчики считают пассажиров и помогают менять расписание", "городские автобусные маршруты", "транспортный оператор"),
    ],
    "education": [
        ("en", "Coding club for kids", "children aged 7 to 14 learn programming by building games", "schools", "pupils and teachers"),
        ("en", "VR physics lab", "pupils run physics experiments in virtual reality", "secondary schools", "pupils"),
        ("en", "Homework checker", "software checks maths homework and shows the teacher common mistakes", "schools", "teachers"),
        ("en", "Reading tutor app", "an app listens to a child reading aloud and corrects pronunciation", "primary schools", "children who struggle with reading"),
        ("en", "Robotics kits", "construction kits with motors teach engineering through projects", "after-school clubs", "schoolchildren"),
        ("en", "Career guidance tests", "online tests and mentoring help teenagers choose a profession", "colleges", "students"),
        ("ru", "Электронный дневник с аналитикой", "показывает родителям успеваемость и подсказывает, что повторить", "школы", "ученики и родители"),
        ("ru", "Курсы программирования", "дети учатся программировать на Python на онлайн-платформе", "школы и кружки", "школьники"),
        ("ru", "Виртуальная лаборатория химии", "ученики проводят опыты на компьютере без реактивов", "школьные кабинеты химии", "учителя и ученики"),
        ("ru", "Интерактивная доска с ИИ", "доска распознаёт почерк учителя и сохраняет урок для учеников", "классы", "учителя"),
    ],
    "urban-economy": [
        ("en", "Leak sensors for basements", "sensors detect water leaks in basements and alert the building's dispatcher", "apartment blocks", "property managers"),
        ("en", "Lift condition monitoring", "a box on the elevator predicts breakdowns and calls the technician", "residential buildings", "residents and lift companies"),
        ("en", "Snow removal robot", "a small robot clears snow from pavements and yards", "courtyards", "janitors"),
        ("en", "Digital twin of a construction site", "a 3D model tracks the progress of building works against the plan", "construction sites", "builders and inspectors"),
        ("en", "Smart water meters", "meters send readings automatically and show leaks in the pipes", "housing estates", "utility companies"),
        ("en", "Facade crack inspection", "a drone photographs facades and finds cracks that need repair", "old buildings", "housing inspectors"),
        ("ru", "Диспетчеризация лифтов", "датчики сообщают о поломке лифта в аварийную службу", "многоквартирные дома", "жильцы"),
        ("ru", "Приложение для жильцов", "жители вызывают сантехника и голосуют на собрании в телефоне", "управляющие компании", "собственники квартир"),
        ("ru", "Самовосстанавливающийся асфальт", "покрытие затягивает мелкие трещины и служит дольше", "дворовые проезды", "дорожные службы"),
        ("ru", "Контроль уборки дворов", "фото с геометкой подтверждают, что двор убран", "жилые кварталы", "подрядчики и жители"),
    ],
    "culture-sport-tourism": [
        ("en", "Museum audio guide", "visitors hear stories about exhibits on their phone in several languages", "a history museum", "museum visitors"),
        ("en", "Smart outdoor gym", "exercise machines count repetitions and share workouts in an app", "parks", "amateur athletes"),
        ("en", "Tourist route planner", "an app builds walking routes past sights, cafes and events", "the city centre", "tourists"),
        ("en", "Theatre seat preview", "a 3D view shows the stage from each seat before buying a ticket", "theatres", "spectators"),
        ("en", "Ice rink booking", "residents book time slots on skating rinks and pay online", "sports complexes", "skaters"),
        ("en", "Library e-book kiosk", "a kiosk lends e-books and audiobooks to library readers", "public libraries", "readers"),
        ("ru", "Дополненная реальность в парке", "показывает, как выглядела усадьба сто лет назад", "исторические парки", "туристы"),
        ("ru", "Электронные билеты на стадион", "болельщики проходят на матч по QR-коду", "стадионы", "болельщики"),
        ("ru", "Тренер на беговой дорожке", "камера анализирует технику бега и даёт советы", "спортивные центры", "любители спорта"),
        ("ru", "Виртуальный тур по выставке", "выставка доступна онлайн в 3D для тех, кто не может прийти", "выставочные залы", "зрители"),
    ],
    "social-services": [
        ("en", "Fall alarm for seniors", "a bracelet detects a fall and calls a social worker", "homes of elderly people living alone", "pensioners"),
        ("en", "Sign language video link", "deaf visitors talk to staff through a remote sign language interpreter", "public service centres", "deaf people"),
        ("en", "Navigation for the blind", "beacons guide blind people through a building by voice on their phone", "social centres", "visually impaired people"),
        ("en", "Wheelchair ramp finder", "a map shows step-free routes and working ramps", "city streets", "wheelchair users"),
        ("en", "Memory games for dementia", "tablet games train memory of people with early dementia", "day care centres", "older adults"),
        ("en", "Meal delivery planner", "software plans hot meal deliveries to people who cannot leave home", "the social protection department", "social workers"),
        ("ru", "Тревожная кнопка для пенсионеров", "пожилой человек одним нажатием вызывает помощь", "квартиры одиноких пожилых", "пенсионеры"),
        ("ru", "Сурдопереводчик онлайн", "глухие посетители общаются с сотрудником через видеосвязь с переводчиком", "центры госуслуг", "люди с нарушением слуха"),
        ("ru", "Умная трость", "трость с датчиком предупреждает незрячего о препятствии вибрацией", "центры социального обслуживания", "незрячие"),
        ("ru", "Тренажёры для людей с инвалидностью", "адаптированные тренажёры помогают сохранить подвижность", "реабилитационные центры соцзащиты", "люди с инвалидностью"),
    ],
}

STYLES = {
    "en": {
        "terse": "{title}: {what}. For {who}. Pilot at {where}.",
        "marketing": "Meet {title} — the smart way forward! Our solution means {what}. {Who} will love it. "
                     "We are ready to show the results at {where} and scale across the city.",
        "technical": "The system ({title}) is a hardware and software complex: {what}. Deployment at {where}; "
                     "data is collected continuously and reported to the operator. Intended users: {who}. "
                     "The pilot will measure the effect against the current situation.",
    },
    "ru": {
        "terse": "{title}: {what}. Для: {who}. Пилот: {where}.",
        "marketing": "{title} — решение, которое меняет правила игры! Наш продукт: {what}. "
                     "Это оценят {who}. Готовы показать результат на площадке ({where}) и масштабироваться на весь город.",
        "technical": "Программно-аппаратный комплекс «{title}»: {what}. Размещение: {where}; данные собираются "
                     "непрерывно и передаются оператору. Целевые пользователи: {who}. "
                     "В ходе пилота эффект сравнивается с исходной ситуацией.",
    },
}


def applications() -> list[dict]:
    rng = random.Random(16)
    rows = []
    for sector, concepts in CONCEPTS.items():
        for number, (language, title, what, where, who) in enumerate(concepts, start=1):
            for style, template in STYLES[language].items():
                description = template.format(title=title, what=what, where=where, who=who,
                                              Who=who[:1].upper() + who[1:])
                rows.append({"id": f"dev-{sector}-{number:02d}-{style}", "concept": f"{sector}-{number:02d}",
                             "language": language, "style": style, "title": title, "description": description,
                             "target_users": who if rng.random() < 0.5 else "", "expected_sectors": [sector]})
    return rows


if __name__ == "__main__":
    path = Path(__file__).with_name("dev_applications.jsonl")
    rows = applications()
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"wrote {len(rows)} development applications to {path}")
