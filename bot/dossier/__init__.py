"""Dossier status: codes, status vocabulary, the API client, the reference service.

``codes`` and ``statuses`` are the vocabulary, ``client`` reads API v1 (the
reference service in ``service`` or a city's adapter), ``lookup`` is the pure
logic the Rasa action calls, ``cli`` the staff command.
"""

import logging

# A library does not print: the application decides where its logs go.
logging.getLogger(__name__).addHandler(logging.NullHandler())
