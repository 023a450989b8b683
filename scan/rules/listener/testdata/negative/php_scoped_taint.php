<?php
// The search term is only echoed, escaped; the maintenance job runs a fixed
// command in another function that shares a variable name.
function search() {
    $q = $_GET['q'];
    echo htmlspecialchars($q);
}

function nightly() {
    $q = 'gzip -9 /var/log/app.log';
    system($q);
}
