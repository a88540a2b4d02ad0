"""Name material for invented children: Faker's locales plus spellings common in England.

Only Latin-script names: agencies' systems in England record romanised names, and the mess the
matcher must survive is in the romanisation (Mohammed/Muhammad), not in the script.
"""

__all__ = ["CURATED_FAMILY", "CURATED_GIVEN", "LOCALE_SHARES", "SPELLING_VARIANTS"]

# Share of households whose names come from each source (roughly England's child population).
LOCALE_SHARES = {
    "en_GB": 0.72,
    "curated": 0.14,
    "pl_PL": 0.05,
    "ro_RO": 0.04,
    "lt_LT": 0.02,
    "tr_TR": 0.03,
}

# Given names common among children in England whose families came from South Asia, the Middle
# East, Somalia and West Africa (ONS baby-name tables), as (name, sex).
CURATED_GIVEN = [
    ("Muhammad", "male"), ("Mohammed", "male"), ("Yusuf", "male"), ("Ibrahim", "male"),
    ("Ahmed", "male"), ("Omar", "male"), ("Ali", "male"), ("Hamza", "male"), ("Zakariya", "male"),
    ("Ayaan", "male"), ("Hassan", "male"), ("Hussain", "male"), ("Abdirahman", "male"),
    ("Abdi", "male"), ("Chidi", "male"), ("Oluwaseun", "male"), ("Kwame", "male"),
    ("Imran", "male"), ("Ismail", "male"), ("Musa", "male"), ("Isa", "male"), ("Sulaiman", "male"),
    ("Aisha", "female"), ("Fatima", "female"), ("Maryam", "female"), ("Zainab", "female"),
    ("Khadija", "female"), ("Amina", "female"), ("Aaliyah", "female"), ("Safiya", "female"),
    ("Sumaya", "female"), ("Nur", "female"), ("Layla", "female"), ("Hafsa", "female"),
    ("Amara", "female"), ("Chiamaka", "female"), ("Adaeze", "female"), ("Hodan", "female"),
    ("Ifrah", "female"), ("Anaya", "female"), ("Priya", "female"), ("Simran", "female"),
]  # fmt: skip

CURATED_FAMILY = [
    "Khan", "Ahmed", "Ali", "Hussain", "Begum", "Rahman", "Akhtar", "Iqbal", "Mahmood", "Shah",
    "Patel", "Singh", "Kaur", "Mohamed", "Abdi", "Hassan", "Farah", "Warsame", "Okafor",
    "Adeyemi", "Okonkwo", "Mensah", "Osei", "Chaudhry", "Malik", "Bibi", "Miah", "Uddin",
]  # fmt: skip

# Other spellings of the same name a record may carry (transliteration, anglicisation).
SPELLING_VARIANTS = {
    "Muhammad": ["Mohammed", "Mohammad", "Mohamed", "Muhammed"],
    "Mohammed": ["Muhammad", "Mohamed", "Mohammad"],
    "Yusuf": ["Yousef", "Yusef", "Yousuf"],
    "Aisha": ["Ayesha", "Aysha"],
    "Ibrahim": ["Ebrahim", "Ibraheem"],
    "Ahmed": ["Ahmad"],
    "Fatima": ["Fatimah", "Fatema"],
    "Maryam": ["Mariam"],
    "Zainab": ["Zaynab", "Zeinab"],
    "Hussain": ["Hussein", "Husain"],
    "Hassan": ["Hasan"],
    "Omar": ["Umar"],
    "Khadija": ["Khadijah"],
    "Amina": ["Aminah"],
    "Hamza": ["Hamzah"],
    "Zakariya": ["Zakaria", "Zachariah"],
    "Sulaiman": ["Suleiman", "Sulayman"],
    "Layla": ["Laila", "Leila"],
    "Jakub": ["Jacob"],
    "Łukasz": ["Lukasz", "Lucas"],
    "Mateusz": ["Mateus"],
    "Andrei": ["Andrey", "Andrew"],
    "Mihai": ["Mihail"],
    "Ştefan": ["Stefan"],
    "Zoë": ["Zoe"],
}
