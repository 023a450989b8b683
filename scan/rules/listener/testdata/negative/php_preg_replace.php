<?php
// Cleaning request input with a regular expression is not evaluating it.
$q = preg_replace('/[^a-z0-9 ]/i', '', $_GET['q'] ?? '');
echo htmlspecialchars($q);
