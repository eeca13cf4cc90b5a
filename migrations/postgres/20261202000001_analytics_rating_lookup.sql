-- A rating's pseudonym index took an entry at a random place for every rating, and with it
-- a page written per rating at every commit: a third of what storing a rating cost. Only
-- a person's export asked it anything, and a person's raters (one row per account they
-- rated in, indexed by pseudonym) name the accounts whose ratings to read instead.
drop index analytics_rating_pseudonym;
