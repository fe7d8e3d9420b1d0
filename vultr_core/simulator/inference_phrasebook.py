"""The simulated models' phrasebook: a few everyday and cloud words in four languages.

Enough for "translate 'thank you' into German" to come back right in the demo; words it has
no entry for are kept as written, and the reply says which.
"""

from __future__ import annotations

import re

LANGUAGES = ("French", "Spanish", "German", "Dutch")

# English → (French, Spanish, German, Dutch). Phrases first: they are matched before words.
PHRASES: dict[str, tuple[str, str, str, str]] = {
    "good morning": ("bonjour", "buenos días", "guten Morgen", "goedemorgen"),
    "good night": ("bonne nuit", "buenas noches", "gute Nacht", "goedenacht"),
    "thank you": ("merci", "gracias", "danke", "dank je"),
    "how are you": ("comment allez-vous", "cómo estás", "wie geht es dir", "hoe gaat het"),
    "see you later": ("à plus tard", "hasta luego", "bis später", "tot later"),
    "hello": ("bonjour", "hola", "hallo", "hallo"),
    "goodbye": ("au revoir", "adiós", "auf Wiedersehen", "tot ziens"),
    "please": ("s'il vous plaît", "por favor", "bitte", "alstublieft"),
    "thanks": ("merci", "gracias", "danke", "bedankt"),
    "yes": ("oui", "sí", "ja", "ja"),
    "no": ("non", "no", "nein", "nee"),
    "welcome": ("bienvenue", "bienvenido", "willkommen", "welkom"),
    "friend": ("ami", "amigo", "Freund", "vriend"),
    "the": ("le", "el", "der", "de"),
    "and": ("et", "y", "und", "en"),
    "is": ("est", "es", "ist", "is"),
    "my": ("mon", "mi", "mein", "mijn"),
    "your": ("votre", "tu", "dein", "jouw"),
    "server": ("serveur", "servidor", "Server", "server"),
    "servers": ("serveurs", "servidores", "Server", "servers"),
    "database": ("base de données", "base de datos", "Datenbank", "database"),
    "cache": ("cache", "caché", "Cache", "cache"),
    "bill": ("facture", "factura", "Rechnung", "rekening"),
    "invoice": ("facture", "factura", "Rechnung", "factuur"),
    "cloud": ("nuage", "nube", "Wolke", "wolk"),
    "fast": ("rapide", "rápido", "schnell", "snel"),
    "slow": ("lent", "lento", "langsam", "traag"),
    "cheap": ("bon marché", "barato", "billig", "goedkoop"),
    "today": ("aujourd'hui", "hoy", "heute", "vandaag"),
    "tomorrow": ("demain", "mañana", "morgen", "morgen"),
    "coffee": ("café", "café", "Kaffee", "koffie"),
    "water": ("eau", "agua", "Wasser", "water"),
}
_ENTRY = re.compile(
    "|".join(rf"\b{re.escape(phrase)}\b" for phrase in sorted(PHRASES, key=len, reverse=True))
)
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def language_named(text: str) -> str | None:
    """The first language of the phrasebook the text names after "in", "into" or "to"."""
    found = re.search(rf"(?i)\b(?:in|into|to)\s+({'|'.join(LANGUAGES)})\b", text)
    return found.group(1).capitalize() if found else None


def translate(phrase: str, language: str) -> tuple[str, list[str]]:
    """The phrase in ``language``, and the words kept as written for want of an entry."""
    column = LANGUAGES.index(language)
    lowered = phrase.lower()
    pieces: list[str] = []
    missing: list[str] = []
    start = 0
    for entry in _ENTRY.finditer(lowered):
        gap = phrase[start : entry.start()]
        pieces.append(gap)
        missing += _WORD.findall(gap)
        pieces.append(PHRASES[entry.group()][column])
        start = entry.end()
    pieces.append(phrase[start:])
    missing += _WORD.findall(phrase[start:])
    return " ".join("".join(pieces).split()), list(dict.fromkeys(missing))
