-- (reserved; nothing yet)
SELECT 1;
