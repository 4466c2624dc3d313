"""One run from settings to publish, on top of the stages; and the state kept between runs."""
