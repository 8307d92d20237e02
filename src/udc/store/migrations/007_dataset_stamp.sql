-- A stamp per dataset that changes whenever that dataset is written (udc.store.catalogue.stamp): the Spark hand-over
-- copies key on it, so replacing one dataset hands over that dataset again and nothing else. Random, never a clock
-- (as the catalogue's generation).
ALTER TABLE datasets ADD COLUMN stamp VARCHAR;
UPDATE datasets SET stamp = CAST(uuid() AS VARCHAR);
