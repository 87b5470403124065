"""P5: candidates in Persian alphabetical order, with real names."""

from cms_site.common.collation import persian_fold, persian_sort_key


def _sorted(names):
    return sorted(names, key=persian_sort_key)


def test_p5_persian_letters_sort_after_their_arabic_neighbours():
    # پ after ب, چ after ج, ژ after ز, گ after ک — code-point order gets all four wrong.
    assert _sorted(["پاکزاد", "بابایی"]) == ["بابایی", "پاکزاد"]
    assert _sorted(["پاکزاد", "تهرانی", "بابایی"]) == ["بابایی", "پاکزاد", "تهرانی"]
    assert _sorted(["چگینی", "حسینی", "جعفری"]) == ["جعفری", "چگینی", "حسینی"]
    assert _sorted(["ژیان", "سلطانی", "زمانی"]) == ["زمانی", "ژیان", "سلطانی"]
    assert _sorted(["گودرزی", "لطفی", "کاظمی"]) == ["کاظمی", "گودرزی", "لطفی"]
    # Code-point order really is wrong for these (the test would catch a plain sort):
    assert sorted(["پاکزاد", "تهرانی"]) == ["تهرانی", "پاکزاد"]


def test_p5_a_full_list_of_real_family_names():
    names = [
        "یزدانی",
        "گودرزی",
        "ژیان",
        "چگینی",
        "پاکزاد",
        "آقایی",
        "احمدی",
        "بابایی",
        "جعفری",
        "زمانی",
        "کاظمی",
        "نوری",
    ]
    assert _sorted(names) == [
        "آقایی",
        "احمدی",
        "بابایی",
        "پاکزاد",
        "جعفری",
        "چگینی",
        "زمانی",
        "ژیان",
        "کاظمی",
        "گودرزی",
        "نوری",
        "یزدانی",
    ]


def test_p5_arabic_yeh_and_kaf_count_as_persian():
    assert persian_fold("علي كاظمي") == "علی کاظمی"
    assert persian_sort_key("كاظمي") == persian_sort_key("کاظمی")
    # Arabic ي must not sort after every Persian letter: «علي» sits with «علی».
    assert _sorted(["علیرضا", "عليرضا", "علی", "عباس"]) == ["عباس", "علی", "علیرضا", "عليرضا"]


def test_p5_shorter_word_first_and_zwnj_like_a_space():
    assert _sorted(["علیرضا", "علی"]) == ["علی", "علیرضا"]
    assert persian_sort_key("محمد\u200cرضا") == persian_sort_key("محمد رضا")
