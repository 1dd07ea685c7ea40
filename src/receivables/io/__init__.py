"""Edges to the world around the ledger: bank statements, remittances, ERP exports and
e-invoices. Parsers here turn outside files into models; the core decides what they mean.

The modules of this package need the ``io`` extra (``pip install receivables[io]``).
"""
