package main

// policy is the setting: every comment is judged on its text
// alone. Rate limits are off (the corpus' senders write in bursts no
// reader would, and a refusal is not a judgment), first-time authors are
// not held, and what no rule holds is published.
const policy = `default_status: published
rate_limits:
  client_ip: {burst: 0}
  author_email: {burst: 0}
  network: {burst: 0}
  article_surge: {burst: 0}
rules:
  first_time_hold: false
`
