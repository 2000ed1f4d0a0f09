"""Word lists the account generator draws from: names, places, likes, favorites, newsletters.

Some entries are non-ASCII on purpose (real exports carry them), and a few city names hold commas or quotes so
that CSV writers downstream have quoting to do.
"""

from __future__ import annotations

FIRST_FEMALE = (
    "Anna", "Emma", "Olivia", "Sophia", "Mia", "Chloé", "Greta", "Ines", "Lena", "Zoë", "Hanna", "Julia",
    "Maria", "Sofia", "Laura", "Sara", "Elena", "Clara", "Nora", "Alice", "Marta", "Yuki", "Aiko", "Fatima",
    "Amira", "Léa", "Camille", "Ingrid", "Astrid", "Agnieszka", "Zofia", "Beatriz", "Ana", "Lucía", "Giulia",
    "Francesca", "Charlotte", "Emily", "Grace", "Ava", "Isabella", "Harper", "Ella", "Lily", "Maja", "Freya",
)
FIRST_MALE = (
    "Ben", "David", "Farid", "Hiro", "Jonas", "Kemal", "Liam", "Noah", "Lucas", "Mateo", "Leon", "Paul",
    "Jan", "Piotr", "Marek", "João", "Pedro", "Luca", "Marco", "Giovanni", "Hugo", "Louis", "Théo", "Finn",
    "Oskar", "Erik", "Lars", "Kenji", "Takeshi", "Omar", "Yusuf", "James", "Oliver", "William", "Henry",
    "Jack", "Daniel", "Samuel", "Gabriel", "Rafael", "Diego", "Carlos", "Álvaro", "Jürgen", "Stefan", "Ivan",
)
LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Müller", "Schmidt", "Schneider", "Fischer", "Weber",
    "Garcia", "Martínez", "Rodríguez", "López", "Fernández", "Rossi", "Russo", "Ferrari", "Esposito", "Bianchi",
    "Nowak", "Kowalski", "Wiśniewski", "Dubois", "Martin", "Bernard", "Lefèvre", "Moreau", "Silva", "Santos",
    "Oliveira", "Souza", "Jensen", "Nielsen", "Hansen", "Tanaka", "Suzuki", "Takahashi", "Watanabe", "de Vries",
    "van Dijk", "Bakker", "Janssen", "O'Brien", "Murphy", "Kelly", "Nguyen", "Kim", "Lee", "Öztürk", "Yılmaz",
    "Andersson", "Johansson", "Karlsson", "Novák", "Horváth", "Popescu", "Ivanov", "Petrov", "Cohen", "Levi",
)
# (country, ISO code, locale, phone prefix, cities, zip digits)
REGIONS = (
    ("United States", "US", "en_US", "+1", ("New York", "Chicago", "Austin", "Seattle", "Denver", "Boston"), 5),
    ("Germany", "DE", "de_DE", "+49", ("Berlin", "München", "Hamburg", "Köln", "Leipzig", "Frankfurt am Main"), 5),
    ("France", "FR", "fr_FR", "+33", ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille"), 5),
    ("United Kingdom", "GB", "en_GB", "+44", ("London", "Manchester", "Leeds", "Bristol", "Glasgow", "York"), 0),
    ("Spain", "ES", "es_ES", "+34", ("Madrid", "Barcelona", "Sevilla", "Valencia", "Málaga", "Bilbao"), 5),
    ("Italy", "IT", "it_IT", "+39", ("Roma", "Milano", "Napoli", "Torino", "Bologna", "Firenze"), 5),
    ("Poland", "PL", "pl_PL", "+48", ("Warszawa", "Kraków", "Łódź", "Gdańsk", "Poznań", "Wrocław"), 5),
    ("Japan", "JP", "ja_JP", "+81", ("Tokyo", "Osaka", "Kyoto", "Sapporo", "Fukuoka", "Nagoya"), 7),
    ("Brazil", "BR", "pt_BR", "+55", ("São Paulo", "Rio de Janeiro", "Curitiba", "Recife", "Salvador"), 8),
    ("Netherlands", "NL", "nl_NL", "+31", ("Amsterdam", "Rotterdam", "Utrecht", "Den Haag", "Eindhoven"), 4),
    ("Canada", "CA", "en_CA", "+1", ("Toronto", "Montréal", "Vancouver", "Calgary", "Ottawa"), 0),
    ("Australia", "AU", "en_AU", "+61", ("Sydney", "Melbourne", "Brisbane", "Perth", "Adelaide"), 4),
    ("Mexico", "MX", "es_MX", "+52", ("Ciudad de México", "Guadalajara", "Monterrey", "Puebla"), 5),
    ("Sweden", "SE", "sv_SE", "+46", ("Stockholm", "Göteborg", "Malmö", "Uppsala"), 5),
    ("United States", "US", "en_US", "+1", ("Washington, D.C.", "St. Louis", "Winston-Salem", 'Boise "City"'), 5),
)
UK_POSTCODES = ("SW1A 1AA", "M1 1AE", "LS1 4AP", "BS1 5TR", "G1 1XQ", "YO1 7HH", "EC1A 1BB", "W1A 0AX")
CA_POSTCODES = ("M5V 3L9", "H3Z 2Y7", "V6B 4Y8", "T2P 1J9", "K1A 0B1")
EMAIL_DOMAINS = (
    "example.com", "mail.example.org", "example.net", "webmail.example.de", "example.co.uk", "example.fr",
    "post.example.jp", "example.com.br",
)
LOYALTY_TIERS = ("bronze", "bronze", "bronze", "silver", "silver", "gold", "platinum")
INTERESTS = ("sports", "music", "travel", "cooking", "tech", "fashion", "gaming", "books", "outdoors", "film")
REG_SOURCES = (
    "https://www.example.com/signup",
    "https://shop.example.com/checkout",
    "https://www.example.com/newsletter?utm_source=mail",
    "ios-app",
    "android-app",
)
SOCIAL_PROVIDERS = ("site", "site", "site", "site,facebook", "site,google", "site,apple", "site,google,facebook")
NEWSLETTERS = ("newsletterWeekly", "newsletterOffers", "newsletterProduct")
LIKE_CATEGORIES = (
    "Musician/band", "Movie", "TV show", "Book", "Sports team", "Restaurant/cafe", "Clothing", "Product/service",
    "Athlete", "Local business", "Website", "Games/toys",
)
LIKE_NAMES = (
    "The Midnight Owls", "Blue Horizon", "Café Lumière", "Northern Lights FC", "Pixel Quest", "Green Table",
    "Urban Threads", "The Long Road", "Stellar Sound", "Marathon Club", "Cinema Paradiso", "Little Bookshop",
    "Mountain Gear Co.", "Jazz at Noon", "Retro Arcade", "Daily Bread Bakery", "Ocean Drive", "Studio 54 Fans",
    "Garden & Home", "Tech Talk Weekly", "Soul Kitchen", "Red Rockets", "Silver Screen", "Vinyl Revival",
)
FAVORITE_KINDS = ("music", "movies", "television", "books", "activities", "interests")
FAVORITE_NAMES = {
    "music": ("Jazz", "Indie Rock", "Classical", "Hip-Hop", "Electronic", "Bossa Nova", "K-Pop"),
    "movies": ("Casablanca", "Amélie", "Spirited Away", "The Matrix", "Parasite", "Cinema Paradiso"),
    "television": ("Nature Docs", "Cooking Shows", "Sci-Fi Series", "Crime Drama", "Sitcoms"),
    "books": ("Dune", "Don Quijote", "Norwegian Wood", "Pride and Prejudice", "Cien años de soledad"),
    "activities": ("Running", "Cycling", "Hiking", "Yoga", "Swimming", "Climbing"),
    "interests": ("Photography", "Travel", "Gardening", "Wine", "Coffee", "Design"),
}
CHALLENGES = (
    ("Shopper", "Loyal shopper", ("Newbie", "Regular", "Insider", "VIP")),
    ("Reviewer", "Product reviews", ("Critic", "Top critic", "Tastemaker")),
    ("Social", "Sharing and referrals", ("Connector", "Influencer", "Ambassador")),
    ("Commenter", "Community comments", ("Chatty", "Voice", "Pillar")),
    ("Explorer", "Site exploration", ("Visitor", "Explorer", "Pathfinder", "Cartographer")),
)
