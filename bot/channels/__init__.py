"""Messaging channels between citizens and the Rasa assistant.

* :mod:`bot.channels.telegram` — Telegram bridge (python-telegram-bot) to Rasa's
  REST channel; :mod:`bot.channels.telegram_render` renders Rasa replies.
* :mod:`bot.channels.zalo` — Zalo OA input channel for Rasa;
  :mod:`bot.channels.zalo_api` sends OA messages and rotates tokens.
* :mod:`bot.channels.rasa_rest` — async client of Rasa's REST channel.
* :mod:`bot.channels.messages` — channel-level Vietnamese texts (``messages.yml``).
"""
