DROP TABLE shortlists;
