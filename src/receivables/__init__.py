"""receivables: the domain logic of accounts receivable, exact with money."""
