"""Reading the backup bucket: the newest backup of each set, its age, and the listing kept between runs."""
