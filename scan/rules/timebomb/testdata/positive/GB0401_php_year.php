<?php
if (date('Y') >= 2027) {
    $price = 0;
}
