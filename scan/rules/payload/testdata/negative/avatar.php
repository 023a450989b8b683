<?php
$img = base64_decode($_POST['avatar']);
file_put_contents("avatar.png", $img);
echo strrev("olleh");
