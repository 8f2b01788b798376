"""Material pre-check (申报预检): the applicant uploads photos or PDFs of their materials for a
situational guide, the files are cleaned (``sanitize``), read by offline OCR (``ocr``), checked
(``checks``) and kept encrypted (``crypto``) for a few days (``service``). docs/uploads.md."""
