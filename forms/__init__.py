"""Qualification forms as data, their loader and the scoring engine. Pure Python: no UI, no I/O
beyond reading the form file, so the kiosk, the CLI and central all score a lead the same way."""
from forms.errors import AnswerError, FormDefinitionError, FormError
from forms.loader import default_form_path, load_form, load_form_text
from forms.model import TAGS, Condition, Consent, Form, Option, Question, Rule, Scoring, Section
from forms.scoring import ScoreResult, score
from forms.text import Text
from forms.thresholds import form_with_thresholds

__all__ = ["AnswerError", "Condition", "Consent", "Form", "FormDefinitionError", "FormError",
           "Option", "Question", "Rule", "ScoreResult", "Scoring", "Section", "TAGS", "Text",
           "default_form_path", "form_with_thresholds", "load_form", "load_form_text", "score"]
