-- Directory search, facets (issue 4): the filter values are now lexemes of service_search.search_vector (weight D,
-- never part of a ranking query: '0c' + hex(category code), '0d' + division code, '0w' + weekday, '0f1' free, …), so
-- words and filters meet in one GIN lookup. The separate GIN indexes on the categories and division_codes arrays
-- served only those filters; dropping them makes every index write cheaper. The columns stay: they are the row
-- predicates a search without words uses, and the answer's facets.
-- The vectors themselves are rewritten by the server at boot (the indexer's version went from 1 to 2).
drop index if exists service_search_categories_idx;
drop index if exists service_search_divisions_idx;
