"""Stations, deputies, departments, topics, places and the working-day calendar: the registry staff manage."""
