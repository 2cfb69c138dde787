"""The provider's published complaints scheme (klachtenregeling): generated, reviewed, versioned, public."""
