from django import forms

from .models import Pony


class PonyForm(forms.ModelForm):
    """Server-side twin of the page's client-side checks; the server always decides."""

    class Meta:
        model = Pony
        fields = ["name", "personality", "status"]
        widgets = {
            "name": forms.TextInput(attrs={"autocomplete": "off", "placeholder": "e.g. Buttercup"}),
            "personality": forms.Textarea(
                attrs={"rows": 4, "placeholder": "Loves carrots, hates thunder…"}
            ),
            "status": forms.RadioSelect,
        }
        error_messages = {
            "name": {
                "required": "Every pony needs a name.",
                "max_length": "That name is longer than the stable door (60 characters max).",
            },
            "personality": {"max_length": "Keep the notes under 500 characters."},
            "status": {"invalid_choice": "Pick Grazing, Galloping or Show Ready."},
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Every pony needs a name.")
        return name
