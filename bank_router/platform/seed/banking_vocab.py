"""Constant tables the customer banking data draws from: our products, other banks, payees and statement texts.

Product names are the knowledge base's (knowledge/products); other banks, employers, wallets and
merchants are fictional.
"""

from __future__ import annotations

# type -> (product, weight): the everyday accounts a customer may hold.
SAVINGS_PRODUCTS = (
    ("Prime Savings Account", 60),
    ("Prime Islami Mudaraba Savings Account", 20),
    ("Prime Women Savings Account", 8),
    ("Prime Payroll Account", 12),
)
CURRENT_PRODUCTS = ("Prime Current Account", "Prime Islami Al-Wadiah Current Account")
FIXED_PRODUCTS = ("Prime Fixed Deposit", "Prime Islami Mudaraba Term Deposit")
DPS_PRODUCTS = ("Prime DPS", "Prime Islami Mudaraba DPS")
USD_PRODUCT = "Prime NRB Foreign Currency Account"

# product -> network
DEBIT_CARDS = {"Prime Visa Debit Card": "visa", "Prime Mastercard Debit Card": "mastercard"}
CREDIT_CARDS = {
    "Prime Visa Classic Credit Card": "visa",
    "Prime Visa Gold Credit Card": "visa",
    "Prime Mastercard Platinum Credit Card": "mastercard",
}

OWN_BANK = "Prime Bank"
# Fictional other banks with a 9-digit routing number of their own.
OTHER_BANKS = (
    ("Meghna Commercial Bank", "125260341"),
    ("Padma Trust Bank", "160271865"),
    ("Jamuna Citizens Bank", "095263178"),
    ("Karnaphuli Bank", "210154222"),
    ("Surma Valley Bank", "185910736"),
)
RELATIONSHIPS = ("brother", "sister", "mother", "father", "wife", "husband", "friend", "landlord", "business partner")

SALARIED = {
    "Garments worker",
    "Teacher",
    "Government officer",
    "Private service holder",
    "Software engineer",
    "Doctor",
    "Driver",
}
EMPLOYERS = (
    "Meghna Textiles Ltd",
    "Karnaphuli Garments Ltd",
    "Bay Software Ltd",
    "Rupsha Pharmaceuticals Ltd",
    "Dhaka City School",
    "Directorate of Public Works",
    "Shapla General Hospital",
    "Padma Logistics Ltd",
)
WALLETS = ("Bikash wallet", "Nogod wallet")
MERCHANTS = (
    "Nodi Super Shop",
    "Kadam Fresh Mart",
    "Lalbagh Crafts",
    "Bazaar Online BD",
    "Tara Kabab House",
    "Padma Shoe Store",
)
BILLS = (
    "City Power electricity bill",
    "Meghna Gas bill",
    "Dhaka Water bill",
    "Shapla Telecom mobile recharge",
    "Shapla Net internet bill",
)
EXCHANGE_HOUSES = ("Desert Star Exchange", "Al Noor Remit", "Crescent Money Transfer")
