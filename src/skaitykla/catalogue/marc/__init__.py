"""MARC in and out: streaming readers (ISO 2709, MARCXML, MARC-in-JSON), the MARC21 and UNIMARC
field mappings, and the writers for export."""
