<?php
/**
 * Checks of the plugin's parts that need no WordPress, run with php-cli by
 * TestPluginUnits: reading commentd's answers and errors, the retry time of
 * a rate limit, and the webhook signature.
 *
 * @package Commentd_Moderation
 */

define( 'ABSPATH', __DIR__ . '/' );
define( 'HOUR_IN_SECONDS', 3600 );
define( 'DAY_IN_SECONDS', 86400 );
$plugin = dirname( __DIR__ ) . '/commentd-moderation/includes/';
require $plugin . 'class-commentd-config.php';
require $plugin . 'class-commentd-client.php';
require $plugin . 'class-commentd-submission.php';
require $plugin . 'class-commentd-webhooks.php';

$passed = 0;
$failed = 0;
function check( $what, $got, $want ) {
	global $passed, $failed;
	if ( $got === $want ) {
		++$passed;
		return;
	}
	++$failed;
	fwrite( STDERR, "FAIL $what: got " . var_export( $got, true ) . ', want ' . var_export( $want, true ) . "\n" );
}

// A decision, as commentd's HTTP front answers it.
$a = Commentd_Client::parse( 200, '', '{"comment":{"id":"01a2","status":"COMMENT_STATUS_PENDING"},"status":"COMMENT_STATUS_PENDING","reasons":[{"rule":"links","action":"RULE_ACTION_HOLD"},{"rule":"caps"}],"score":1.5}' );
check( 'pending kind', $a->kind, Commentd_Answer::DECIDED );
check( 'pending status', $a->status, 'pending' );
check( 'pending id', $a->id, '01a2' );
check( 'pending rules', $a->rules, array( 'links', 'caps' ) );
check( 'spam as a number', Commentd_Client::parse( 200, '', '{"status":3}' )->status, 'spam' );
check( 'published to WordPress', Commentd_Submission::wordpress_status( 'published' ), 1 );
check( 'pending to WordPress', Commentd_Submission::wordpress_status( 'pending' ), 0 );
check( 'spam to WordPress', Commentd_Submission::wordpress_status( 'spam' ), 'spam' );
$a = Commentd_Client::parse( 200, '', '{"status":"COMMENT_STATUS_REJECTED"}' );
check( 'an unknown status is a failure', array( $a->kind, $a->retryable ), array( Commentd_Answer::FAILED, false ) );
$a = Commentd_Client::parse( 200, '', '<html>' );
check( 'not JSON', array( $a->kind, $a->retryable ), array( Commentd_Answer::FAILED, true ) );

// Rate limits: Retry-After first, then RetryInfo's debug form, then its binary form.
$limited = '{"code":"resource_exhausted","message":"too many comments from this author email; retry in 1h0m0s","details":[{"type":"google.rpc.RetryInfo","value":"CgkIjxwQ6ObZsAM","debug":{"retryDelay":"3599.907441s"}}]}';
$a       = Commentd_Client::parse( 429, '3600', $limited );
check( 'rate limited kind', $a->kind, Commentd_Answer::RATE_LIMITED );
check( 'Retry-After', $a->retry_after, 3600 );
check( 'RetryInfo debug', Commentd_Client::parse( 429, '', $limited )->retry_after, 3600 );
check( 'RetryInfo binary', Commentd_Client::parse( 429, '', str_replace( '"debug":{"retryDelay":"3599.907441s"}', '"x":1', $limited ) )->retry_after, 3600 );
check( 'RetryInfo 15s', Commentd_Client::retry_info_seconds( 'CgIIDw' ), 15 );
check( 'RetryInfo garbage', Commentd_Client::retry_info_seconds( '!!' ), null );
check( 'a bare 429', Commentd_Client::parse( 429, '', '' )->retry_after, 15 );

// Errors: which are worth sending again.
foreach ( array(
	'unavailable'      => true,
	'unauthenticated'  => true,
	'invalid_argument' => false,
	'already_exists'   => false,
) as $code => $retryable ) {
	$a = Commentd_Client::parse( 400, '', '{"code":"' . $code . '","message":"m"}' );
	check( "$code kind", $a->kind, Commentd_Answer::FAILED );
	check( "$code retryable", $a->retryable, $retryable );
}
$a = Commentd_Client::parse( 502, '', 'Bad Gateway' );
check( 'a proxy error', array( $a->kind, $a->retryable ), array( Commentd_Answer::FAILED, true ) );

// Request ids: stable, printable, at most 128 characters, and different
// for a different comment.
$one = Commentd_Submission::request_id( array( 'http://x/', 4, 0, 'प्रिया', 'p@example.in', '', 'text', '2026-11-27 00:41:44' ) );
check( 'request id stable', Commentd_Submission::request_id( array( 'http://x/', 4, 0, 'प्रिया', 'p@example.in', '', 'text', '2026-11-27 00:41:44' ) ), $one );
check( 'request id form', (bool) preg_match( '/^wp-[0-9a-f]{40}$/', $one ), true );
check( 'request id differs', Commentd_Submission::request_id( array( 'http://x/', 4, 0, 'प्रिया', 'p@example.in', '', 'text!', '2026-11-27 00:41:44' ) ) !== $one, true );
check( 'backoff first', Commentd_Submission::backoff( 0 ), 60 );
check( 'backoff capped', Commentd_Submission::backoff( 30 ), 6 * 3600 );

// Webhook signatures.
$body   = '{"id":"evt1","type":"comment.approved"}';
$secret = 'whsec-test';
$now    = 1800000000;
$sig    = hash_hmac( 'sha256', $now . '.' . $body, $secret );
check( 'good signature', Commentd_Webhooks::check_signature( "t=$now,v1=$sig", $body, $secret, $now + 10 ), true );
check( 'rotated secret', Commentd_Webhooks::check_signature( "t=$now,v1=" . str_repeat( '0', 64 ) . ",v1=$sig", $body, $secret, $now ), true );
check( 'wrong secret', is_string( Commentd_Webhooks::check_signature( "t=$now,v1=$sig", $body, 'other', $now ) ), true );
check( 'changed body', is_string( Commentd_Webhooks::check_signature( "t=$now,v1=$sig", $body . ' ', $secret, $now ) ), true );
check( 'too old', is_string( Commentd_Webhooks::check_signature( "t=$now,v1=$sig", $body, $secret, $now + 301 ) ), true );
check( 'from the future', is_string( Commentd_Webhooks::check_signature( "t=$now,v1=$sig", $body, $secret, $now - 301 ) ), true );
check( 'no timestamp', is_string( Commentd_Webhooks::check_signature( "v1=$sig", $body, $secret, $now ) ), true );
check( 'empty header', is_string( Commentd_Webhooks::check_signature( '', $body, $secret, $now ) ), true );

echo "$passed passed, $failed failed\n";
exit( $failed > 0 ? 1 : 0 );
