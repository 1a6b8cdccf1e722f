"""The `edgeplay rd` codecs' names, colours and markers: one place for rd-table.py and
rd-plot.py (the widget's codecs are in www/compress/meta.js)."""

# id: (table name, plot label, colour, marker)
CODECS = {
    "progressive": ("Progressive (ours)", "Progressive neural (ours)", "#9467bd", "P"),
    "progressive-single": ("Same model, non-progressive", "same model, non-progressive", "#8c564b", "x"),
    "spiht": ("SPIHT", "SPIHT", "#1f77b4", "o"),
    "spiht-ac": ("SPIHT-AC", "SPIHT-AC", "#d62728", "s"),
    "jpeg": ("JPEG", "JPEG", "#7f7f7f", "^"),
    "jpeg2000": ("JPEG 2000", "JPEG 2000 (OpenJPEG)", "#2ca02c", "D"),
}
