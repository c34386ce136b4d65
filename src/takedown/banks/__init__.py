"""Hash banks: named lists of known signals with a category and an action on match."""
