"""Constant tables the demo data draws from: places, names, occupations, products, reasons."""

from __future__ import annotations

DIVISIONS: dict[str, tuple[str, ...]] = {
    "Dhaka": ("Dhaka", "Gazipur", "Narayanganj", "Tangail", "Narsingdi", "Faridpur", "Munshiganj"),
    "Chattogram": ("Chattogram", "Cox's Bazar", "Cumilla", "Feni", "Noakhali", "Brahmanbaria"),
    "Rajshahi": ("Rajshahi", "Bogura", "Pabna", "Naogaon", "Sirajganj"),
    "Khulna": ("Khulna", "Jashore", "Kushtia", "Satkhira", "Bagerhat"),
    "Barishal": ("Barishal", "Patuakhali", "Bhola"),
    "Sylhet": ("Sylhet", "Moulvibazar", "Habiganj", "Sunamganj"),
    "Rangpur": ("Rangpur", "Dinajpur", "Kurigram", "Gaibandha"),
    "Mymensingh": ("Mymensingh", "Jamalpur", "Netrokona", "Sherpur"),
}
DISTRICT_DIVISION = {d: div for div, districts in DIVISIONS.items() for d in districts}
DISTRICTS = tuple(DISTRICT_DIVISION)
# Dhaka-heavy, like the customer base of a Bangladeshi bank.
DISTRICT_WEIGHTS = tuple(
    12 if d == "Dhaka" else 4 if d in ("Chattogram", "Gazipur", "Narayanganj") else 1 for d in DISTRICTS
)
AREAS = (
    "Mirpur",
    "Dhanmondi",
    "Uttara",
    "Mohammadpur",
    "Banani",
    "Motijheel",
    "Sadar",
    "Station Road",
    "College Road",
    "Bazar Road",
    "Kazipara",
    "Agrabad",
    "Zindabazar",
    "Shaheb Bazar",
)

MALE_NAMES = (
    "Abdul",
    "Rahim",
    "Karim",
    "Tanvir",
    "Shafiqul",
    "Mizanur",
    "Habibur",
    "Arif",
    "Sakib",
    "Imran",
    "Rafiq",
    "Jahid",
    "Nazmul",
    "Mahmud",
    "Faisal",
    "Shahidul",
    "Anisur",
    "Kamrul",
    "Sohel",
    "Rubel",
    "Masud",
    "Tariq",
    "Fahim",
    "Rakib",
    "Ashraf",
    "Belal",
    "Golam",
    "Jamal",
)
FEMALE_NAMES = (
    "Fatema",
    "Ayesha",
    "Nusrat",
    "Sharmin",
    "Taslima",
    "Farzana",
    "Rokeya",
    "Shirin",
    "Nasrin",
    "Sadia",
    "Tahmina",
    "Rumana",
    "Mitu",
    "Jannatul",
    "Sumaiya",
    "Laila",
    "Marium",
    "Khadija",
    "Afroza",
    "Shathi",
    "Nargis",
    "Rehana",
    "Sabina",
    "Tania",
)
SURNAMES = (
    "Rahman",
    "Hossain",
    "Ahmed",
    "Islam",
    "Chowdhury",
    "Khan",
    "Uddin",
    "Akter",
    "Begum",
    "Sarkar",
    "Mia",
    "Talukder",
    "Bhuiyan",
    "Sheikh",
    "Haque",
    "Alam",
    "Kabir",
    "Siddique",
    "Mollah",
    "Das",
    "Roy",
    "Saha",
    "Barua",
    "Majumder",
)
PHONE_PREFIXES = ("013", "014", "015", "016", "017", "018", "019")
EMAIL_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com")
# Occupation -> monthly income range in BDT.
OCCUPATIONS: dict[str, tuple[int, int]] = {
    "Garments worker": (12_000, 22_000),
    "Farmer": (10_000, 30_000),
    "Shop owner": (25_000, 120_000),
    "Teacher": (25_000, 70_000),
    "Government officer": (40_000, 150_000),
    "Private service holder": (30_000, 200_000),
    "Software engineer": (60_000, 300_000),
    "Doctor": (80_000, 400_000),
    "Driver": (15_000, 35_000),
    "Small business owner": (30_000, 250_000),
    "Expatriate worker": (40_000, 150_000),
    "Freelancer": (20_000, 180_000),
}

# Products by position: the fifth is seed 000's product 5.
PRODUCTS: tuple[tuple[str, str, int, int, str, int, int, int], ...] = (
    # name, category, min amount, max amount, annual rate %, max tenure, min monthly income, weight
    ("Salary Advance Loan", "personal", 10_000, 200_000, "9.00", 12, 20_000, 15),
    ("Auto Loan", "auto", 300_000, 4_000_000, "10.50", 60, 60_000, 8),
    ("Home Loan", "home", 1_000_000, 12_000_000, "9.50", 240, 80_000, 5),
    ("SME Business Loan", "sme", 100_000, 5_000_000, "12.00", 48, 50_000, 15),
    ("Prime Personal Loan", "personal", 50_000, 2_000_000, "11.00", 60, 30_000, 35),
    ("Education Loan", "education", 50_000, 1_500_000, "8.00", 84, 15_000, 7),
    ("Krishi Agri Loan", "agriculture", 20_000, 500_000, "8.00", 24, 10_000, 10),
    ("Two-Wheeler Loan", "auto", 50_000, 300_000, "11.50", 36, 25_000, 5),
)
TENURES = (6, 12, 18, 24, 36, 48, 60, 84, 120)

TRANSACTION_SHAPES: dict[str, tuple[tuple[str, ...], int, int, int]] = {
    # type -> (channels, min amount, max amount, weight)
    "deposit": (("branch", "agent", "atm", "app"), 500, 200_000, 25),
    "withdrawal": (("atm", "branch", "agent"), 500, 50_000, 25),
    "transfer": (("app", "branch"), 100, 100_000, 25),
    "payment": (("app", "pos"), 50, 20_000, 18),
    "remittance": (("app", "branch", "agent"), 5_000, 300_000, 7),
}
FAILURE_REASONS = (
    "Insufficient balance",
    "Daily transaction limit exceeded",
    "Invalid PIN",
    "Network timeout at switch",
    "Account frozen by compliance",
    "Beneficiary account not found",
    "Duplicate transaction",
    "Card expired",
)
REPAYMENT_METHODS = ("bkash", "nagad", "rocket", "bank_transfer", "cash", "auto_debit")
COLLECTION_ACTIONS: dict[str, tuple[str, ...]] = {
    "sms_reminder": ("Payment reminder SMS sent.", "Second reminder SMS sent with the overdue amount."),
    "call": ("Borrower promised to pay within 7 days.", "Call not answered.", "Borrower cited delayed salary."),
    "field_visit": ("Field officer visited the home address.", "Met the guarantor; repayment plan discussed."),
    "promise_to_pay": ("Borrower signed a promise to pay by month end.",),
    "legal_notice": ("Legal notice issued under the loan agreement.",),
}
BLACKLIST_REASONS = (
    "Loan written off after prolonged default",
    "Forged documents submitted with a loan application",
    "Repeated cheque dishonour",
    "Fraud report from partner bank",
)
STORE_KINDS = ("Branch", "Agent Banking Outlet", "Sub-Branch")
OPERATOR_ROLES = ("teller", "relationship_officer", "credit_officer", "branch_manager", "supervisor")
# Score reasons in a fixed order, since the rng samples them by position.
SCORE_STRENGTHS = (
    "Stable monthly income",
    "Clean repayment history",
    "Verified KYC",
    "Long relationship with the bank",
)
SCORE_WEAKNESSES = (
    "High debt-to-income ratio",
    "Past overdue installments",
    "Short account history",
    "Irregular deposits",
)
