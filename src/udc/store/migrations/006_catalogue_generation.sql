-- A stamp that changes with every catalogue write (udc.store.catalogue.generation): caches of whole-dataset figures,
-- release tables and Spark hand-over copies key on it. A random value, never a clock: the newest created_at did not
-- move when a writer's clock or time zone ran behind the previous writer's, so a replaced dataset kept its generation.
CREATE TABLE catalogue_generation (stamp VARCHAR NOT NULL);
INSERT INTO catalogue_generation VALUES (CAST(uuid() AS VARCHAR));
