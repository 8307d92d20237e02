-- Tables that left through the disclosure gate: released = true, with what protected them.
ALTER TABLE datasets ADD COLUMN released BOOLEAN DEFAULT false;
ALTER TABLE datasets ADD COLUMN protection VARCHAR;
