"""Rasa tokenizer for Vietnamese chat text.

Vietnamese syllables are separated by spaces, so whitespace tokenisation finds
them; what breaks NLU is that citizens write the same word with or without
diacritics and in teencode ("ko đc", "gks"). Each token's text is therefore
replaced by its folded, abbreviation-expanded form ("Được" -> "duoc",
"cccd" -> "can", "cuoc", "cong", "dan"), while the offsets still point into
the original message so that entity values keep the citizen's own spelling.
"""

from __future__ import annotations

from typing import Any, Dict, List

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import rasa_speedups  # noqa: F401  (patches the Rasa server it loads in)
from bot.text import ABBREVIATIONS, fold_token


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False
)
class VietnameseTokenizer(WhitespaceTokenizer):
    """Whitespace tokens, folded to no diacritics, with teencode expanded."""

    @staticmethod
    def get_default_config() -> Dict[str, Any]:
        """Same options as the whitespace tokenizer, plus expansion on/off."""
        return {
            **WhitespaceTokenizer.get_default_config(),
            "expand_abbreviations": True,
        }

    @staticmethod
    def not_supported_languages() -> None:
        """Every language is accepted; it is meant for ``vi``."""
        return None

    @classmethod
    def create(
        cls,
        config: Dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VietnameseTokenizer:
        """Creates the component (no resources to load)."""
        return cls(config)

    def tokenize(self, message: Message, attribute: str) -> List[Token]:
        """Whitespace tokens of ``attribute``, folded and expanded for TEXT."""
        tokens = super().tokenize(message, attribute)
        if attribute != TEXT:
            return tokens
        out: List[Token] = []
        for token in tokens:
            folded = fold_token(token.text.lower())
            expansion = (
                ABBREVIATIONS.get(folded)
                if self._config["expand_abbreviations"]
                else None
            )
            words = fold_token(expansion).split() if expansion else [folded]
            for word in words:
                # Expanded words share the span of the short form they came from.
                out.append(Token(word, token.start, token.end, lemma=word))
        return out
