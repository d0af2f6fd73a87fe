"""Realistic request bodies for the tests."""

import copy

APPLICATION = {
    "company": {
        "name": "R&D <Lab> «Север» {{ x }}",
        "registration_number": "7707083893",
        "country": "RU",
        "address": "Москва, Тверская ул., д. 7",
        "contact_email": "ceo@sever-lab.example",
        "signatory_name": "Смирнов Иван Петрович",
        "signatory_title": "Генеральный директор",
    },
    "title": "Queue analytics for public service centres",
    "description": (
        "Ceiling sensors and software that count visitors, predict waiting time and suggest opening "
        "extra service windows at public service centres and bank branches, so that people spend less "
        "time in queues and staff are planned by the real flow of visitors."
    ),
    "target_users": "visitors of public service centres, including elderly people",
    "wants_to_test": "whether the average queue time falls at a busy service centre",
    "trl": 8,
    "sector": "retail-services",
    "setting": "indoor",
    "needs_power": True,
    "needs_network": True,
    "language": "ru",
}


def application(**changes) -> dict:
    body = copy.deepcopy(APPLICATION)
    for key, value in changes.items():
        if key.startswith("company_"):
            body["company"][key.removeprefix("company_")] = value
        else:
            body[key] = value
    return body
