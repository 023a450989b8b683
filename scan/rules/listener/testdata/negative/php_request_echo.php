<?php
// Request input is escaped and shown; the command run is fixed.
$name = htmlspecialchars($_GET['name'] ?? 'world', ENT_QUOTES);
echo "Hello, $name";
$uptime = shell_exec('uptime');
echo "<pre>$uptime</pre>";
