"""The one StreamField vocabulary shared by every page (bakerydemo's BaseStreamBlock)."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("متن"))
    size = blocks.ChoiceBlock(
        choices=[("h2", _("بزرگ")), ("h3", _("متوسط")), ("h4", _("کوچک"))], default="h2", label=_("اندازه")
    )

    class Meta:
        icon = "title"
        template = "blocks/heading_block.html"
        label = _("عنوان")


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("تصویر"))
    caption = blocks.CharBlock(required=False, label=_("زیرنویس"))

    class Meta:
        icon = "image"
        template = "blocks/image_block.html"
        label = _("تصویر")


class CalloutBlock(blocks.StructBlock):
    """A highlighted note, e.g. the warning about blocked promotional SMS."""

    text = blocks.RichTextBlock(features=["bold", "italic", "link"], label=_("متن"))
    tone = blocks.ChoiceBlock(choices=[("info", _("اطلاع")), ("warning", _("هشدار"))], default="info", label=_("نوع"))

    class Meta:
        icon = "warning"
        template = "blocks/callout_block.html"
        label = _("نکته")


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("سند"))
    title = blocks.CharBlock(required=False, label=_("عنوان پیوند"))

    class Meta:
        icon = "doc-full"
        template = "blocks/document_block.html"
        label = _("دریافت سند")


class BaseStreamBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"],
        template="blocks/paragraph_block.html",
        label=_("پاراگراف"),
        icon="pilcrow",
    )
    image = ImageBlock()
    callout = CalloutBlock()
    document = DocumentBlock()


class QuestionBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("پرسش"))
    answer = blocks.RichTextBlock(features=["bold", "italic", "ol", "ul", "link"], label=_("پاسخ"))

    class Meta:
        icon = "help"
        template = "blocks/question_block.html"
        label = _("پرسش و پاسخ")
